"""OK call planner: url.getInfo for pages given by name, group.getInfo for every page, then
mediatopic.getTopics per open group."""

from __future__ import annotations

import logging
from typing import Any

from ...extract.counters import to_int
from ...extract.http import AuthError
from ...extract.landing import LandingBatch
from ...period import Period
from .api import (
    DENIED_ALL_MIN,
    GETINFO_MAX_UIDS,
    GETINFO_METHOD,
    GROUP_FIELDS,
    MAX_TOPIC_PAGES,
    PERMISSION_DENIED,
    PLATFORM,
    PRIVATE_ACCESS,
    RESOLVE_METHOD,
    TOPIC_FIELDS,
    TOPICS_METHOD,
    TOPICS_PAGE_SIZE,
    OkApi,
    OkPageError,
    groups_of,
    ms,
    resolved_uid,
    web_address,
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
        asked = list(dict.fromkeys(str(ident) for _, ident in pages))
        uids = list(dict.fromkeys(uid for uid in (self._resolve(batch, ident) for ident in asked) if uid))
        described: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uids), self.max_uids):
            self._group_info(batch, uids[start : start + self.max_uids], described)
        start_ms = ms(period.start_utc)
        open_uids = [
            uid
            for uid in uids
            if uid in described and str(described[uid].get("access_type") or "").upper() not in PRIVATE_ACCESS
        ]
        denied = [uid for uid in open_uids if self._topics(batch, uid, start_ms) == PERMISSION_DENIED]
        if len(open_uids) >= DENIED_ALL_MIN and len(denied) == len(open_uids):
            raise AuthError(
                f"ok {TOPICS_METHOD}: PERMISSION_DENIED (10) for all {len(denied)} open groups of the batch: "
                "the application is refused, not the groups. Check the permissions of the application "
                "(extra.application_key) and the session of the Airflow connection 'ok_api'"
            )

    def _resolve(self, batch: LandingBatch, ident: str) -> str | None:
        """The numeric group id of a page: as given, or resolved from its name by url.getInfo (landed)."""
        if ident.isdigit():
            return ident
        params = {"url": web_address(ident)}
        try:
            response = self.api.call(RESOLVE_METHOD, params)
        except OkPageError as error:
            batch.add(RESOLVE_METHOD, params, error.body)
            return None
        batch.add(RESOLVE_METHOD, params, response)
        uid = resolved_uid(response)
        if uid is None:
            log.info("ok page %s: url.getInfo did not resolve it to a group (%s)", ident, str(response)[:120])
        return uid

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

    def _topics(self, batch: LandingBatch, uid: str, start_ms: int) -> int | None:
        """The topics of the period, page by page; the error code if the group refused them."""
        anchor = None
        for _ in range(MAX_TOPIC_PAGES):
            params = {"gid": uid, "count": self.page_size, "direction": "FORWARD", "fields": TOPIC_FIELDS}
            if anchor:
                params["anchor"] = anchor
            try:
                response = self.api.call(TOPICS_METHOD, params)
            except OkPageError as error:
                batch.add(TOPICS_METHOD, params, error.body)
                return error.code
            batch.add(TOPICS_METHOD, params, response)
            if not isinstance(response, dict):
                return None
            topics = response.get("media_topics") or []
            following = response.get("anchor")
            if not topics or not response.get("has_more") or not following or following == anchor:
                return None
            oldest = to_int(topics[-1].get("created_ms"))
            if oldest is not None and oldest < start_ms:
                return None
            anchor = following
        log.warning("ok group %s: stopped after %d pages of topics", uid, MAX_TOPIC_PAGES)
        return None


def make_extractor(**options: Any) -> OkExtractor:
    """The call planner with the account of the Airflow connection ``ok_api``."""
    return OkExtractor(OkApi.from_connection(**options))
