"""Telegram call planner: channels/get, channels/posts pages, posts/stat-multi for missing counters."""

from __future__ import annotations

import logging
from typing import Any

from ...extract.counters import to_int
from ...extract.landing import LandingBatch
from ...period import Period
from .api import COUNTERS, MAX_OFFSET, PAGE_LIMIT, PLATFORM, STAT_MULTI_MAX, TgstatApi
from .urls import channel_param

log = logging.getLogger(__name__)


class TgstatExtractor:
    """All the calls for a batch of Telegram pages, each answer kept in the landing batch."""

    platform = PLATFORM

    def __init__(self, api: TgstatApi, *, page_limit: int = PAGE_LIMIT, max_offset: int = MAX_OFFSET):
        self.api = api
        self.page_limit = page_limit
        self.max_offset = max_offset

    def fetch(self, batch: LandingBatch, pages: list[tuple[str, str]], period: Period) -> None:
        """Make every call needed for these pages (page_id, channel username), adding each
        response with batch.add(method, params, response)."""
        start, end = int(period.start_utc.timestamp()), int(period.end_utc.timestamp())
        for _page_id, username in pages:
            channel = channel_param(username)
            params = {"channelId": channel}
            body = self.api.get("channels/get", params)
            batch.add("channels/get", params, body)
            if body["status"] != "ok":
                continue  # channel_not_found: the page's status says so; go on
            items = self._posts(batch, channel, start, end)
            lacking = list(
                dict.fromkeys(
                    item["id"]
                    for item in items
                    if start <= (to_int(item.get("date")) or 0) < end
                    and not item.get("is_deleted")
                    and any(key not in item for key in COUNTERS)
                )
            )
            for first in range(0, len(lacking), STAT_MULTI_MAX):
                chunk = lacking[first : first + STAT_MULTI_MAX]
                params = {"channelId": channel, "postsIds": ",".join(str(i) for i in chunk)}
                batch.add("posts/stat-multi", params, self.api.get("posts/stat-multi", params))

    def _posts(self, batch: LandingBatch, channel: str, start: int, end: int) -> list[dict[str, Any]]:
        """The posts of [start, end], page by page; the window's end moves back past max_offset."""
        items: list[dict[str, Any]] = []
        window: list[dict[str, Any]] = []  # the items of the current time window
        window_end, offset = end, 0
        while True:
            params = {
                "channelId": channel,
                "startTime": start,
                "endTime": window_end,
                "limit": self.page_limit,
                "offset": offset,
                "hideDeleted": 1,
            }
            body = self.api.get("channels/posts", params)
            batch.add("channels/posts", params, body)
            if body["status"] != "ok":
                break  # channel_not_found between the two calls
            response = body["response"] or {}
            page = response.get("items") or []
            items.extend(page)
            window.extend(page)
            offset += len(page)
            total = response.get("total_count")
            if len(page) < self.page_limit or (isinstance(total, int) and offset >= total):
                break
            if offset + self.page_limit > self.max_offset:
                oldest = min((to_int(item.get("date")) or 0) for item in window)
                if not start < oldest < window_end:
                    log.warning("TGStat %s: more than %d posts at %d; the rest is skipped", channel, offset, oldest)
                    break
                window_end, offset, window = oldest, 0, []
        return items


def make_extractor(**options: Any) -> TgstatExtractor:
    """The call planner with the account of the Airflow connection ``tgstat_api``."""
    return TgstatExtractor(TgstatApi.from_connection(**options))
