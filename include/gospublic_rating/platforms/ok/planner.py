"""OK call planner: group.getInfo for every page, then mediatopic.getTopics per open group."""

from __future__ import annotations

import logging
from typing import Any

from ...extract.counters import to_int
from ...extract.landing import LandingBatch
from ...period import Period
from .api import (
    GETINFO_MAX_UIDS,
    GETINFO_METHOD,
    GROUP_FIELDS,
    MAX_TOPIC_PAGES,
    PLATFORM,
    PRIVATE_ACCESS,
    TOPIC_FIELDS,
    TOPICS_METHOD,
    TOPICS_PAGE_SIZE,
    OkApi,
    OkPageError,
    groups_of,
    ms,
)

log = logging.getLogger(__name__)


class OkExtractor:
    """The calls for a batch of OK pages, each landed with its response."""

    platform = PLATFORM

    def __init__(self, api: OkApi, *, page_size: int = TOPICS_PAGE_SIZE, max_uids: int = GETINFO_MAX_UIDS):
        self.api = api
        self.page_size = page_size
        self.max_uids = max_uids

    def fetch(self, batch: LandingBatch, pages: list[tuple[str, str]], period: Period) -> None:
        """Make every call needed for these pages (page_id, platform_page_id), adding each response."""
        uids = list(dict.fromkeys(str(uid) for _, uid in pages))
        described: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uids), self.max_uids):
            self._group_info(batch, uids[start : start + self.max_uids], described)
        start_ms = ms(period.start_utc)
        for uid in uids:
            group = described.get(uid)
            if group is None or str(group.get("access_type") or "").upper() in PRIVATE_ACCESS:
                continue
            self._topics(batch, uid, start_ms)

    def _group_info(self, batch: LandingBatch, uids: list[str], described: dict[str, dict[str, Any]]) -> None:
        params = {"uids": ",".join(uids), "fields": GROUP_FIELDS}
        try:
            response = self.api.call(GETINFO_METHOD, params)
        except OkPageError as error:
            batch.add(GETINFO_METHOD, params, error.body)
            if len(uids) > 1:
                log.info("ok group.getInfo of %d groups answered %s; asking them one by one", len(uids), error.code)
                for uid in uids:
                    self._group_info(batch, [uid], described)
            return
        batch.add(GETINFO_METHOD, params, response)
        for group in groups_of(response):
            described[str(group.get("uid"))] = group

    def _topics(self, batch: LandingBatch, uid: str, start_ms: int) -> None:
        anchor = None
        for _ in range(MAX_TOPIC_PAGES):
            params = {"gid": uid, "count": self.page_size, "direction": "FORWARD", "fields": TOPIC_FIELDS}
            if anchor:
                params["anchor"] = anchor
            try:
                response = self.api.call(TOPICS_METHOD, params)
            except OkPageError as error:
                batch.add(TOPICS_METHOD, params, error.body)
                return
            batch.add(TOPICS_METHOD, params, response)
            if not isinstance(response, dict):
                return
            topics = response.get("media_topics") or []
            following = response.get("anchor")
            if not topics or not response.get("has_more") or not following or following == anchor:
                return
            oldest = to_int(topics[-1].get("created_ms"))
            if oldest is not None and oldest < start_ms:
                return
            anchor = following
        log.warning("ok group %s: stopped after %d pages of topics", uid, MAX_TOPIC_PAGES)
