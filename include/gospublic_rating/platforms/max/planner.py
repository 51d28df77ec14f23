"""MAX call planner: the chat of every page, then its messages of the period, page by page.

Per page: a page given by its public link is first looked up (``GET /chats/{link}``; where
that lookup does not work the page ends ``not_found`` and the landed answer says why); then
``GET /chats/{chatId}``; a chat the bot can read (status ``active``) gets ``GET /messages``
with ``to`` = the period's first millisecond and ``from`` = its last, ``count`` = 100.
Messages come newest first and there is no paging marker: the next call moves ``from`` down
to just above the oldest timestamp of the previous answer (``oldest + 1``), so messages
sharing that timestamp across the page boundary are asked again whether ``from`` is
inclusive or not; the parser keeps each ``mid`` once. If an answer brings no new message
(more than 100 messages in one millisecond), ``from`` moves below that timestamp.
"""

from __future__ import annotations

import logging
from typing import Any

from ...extract.counters import to_int
from ...extract.landing import LandingBatch
from ...period import Period
from .api import CHAT_METHOD, CHAT_STATUS, MESSAGES_METHOD, MESSAGES_PER_CALL, PLATFORM, MaxApi, MaxPageError
from .urls import chat_id

log = logging.getLogger(__name__)
MAX_MESSAGE_PAGES = 10_000  # per chat and period: a guard against an answer that never ends


def _ms(moment) -> int:
    return round(moment.timestamp() * 1000)


class MaxExtractor:
    platform = PLATFORM

    def __init__(self, api: MaxApi, *, count: int = MESSAGES_PER_CALL):
        self.api = api
        self.count = count

    def fetch(self, batch: LandingBatch, pages: list[tuple[str, str]], period: Period) -> None:
        """Make every call needed for these pages (page_id, platform_page_id), adding each response."""
        start, end = _ms(period.start_utc), _ms(period.end_utc)
        done: set[int] = set()
        for _page_id, platform_page_id in pages:
            chat = chat_id(platform_page_id)
            if chat is None:
                chat = self._resolve(batch, str(platform_page_id))
            if chat is None or chat in done:
                continue
            done.add(chat)
            info = self._get(batch, CHAT_METHOD, f"chats/{chat}", {"chat_id": chat})
            if info is not None and CHAT_STATUS.get(str(info.get("status"))) == "active":
                self._messages(batch, chat, start, end)

    def _get(self, batch: LandingBatch, method: str, path: str, params: dict) -> dict | None:
        try:
            body = self.api.get(method, path, params)
        except MaxPageError as error:
            batch.add(method, params, error.body)
            return None
        batch.add(method, params, self.api.scrub(body))
        return body

    def _resolve(self, batch: LandingBatch, link: str) -> int | None:
        body = self._get(batch, CHAT_METHOD, f"chats/{link}", {"link": link})
        return to_int(body.get("chat_id")) if body else None

    def _messages(self, batch: LandingBatch, chat: int, start: int, end: int) -> None:
        upper, seen = end - 1, set()
        for _ in range(MAX_MESSAGE_PAGES):
            params = {"chat_id": chat, "from": upper, "to": start, "count": self.count}
            body = self._get(batch, MESSAGES_METHOD, "messages", params)
            messages = (body or {}).get("messages") or []
            stamps = [t for t in (to_int(m.get("timestamp")) for m in messages if isinstance(m, dict)) if t is not None]
            if body is None or len(messages) < self.count or not stamps:
                return
            mids = {str((m.get("body") or {}).get("mid")) for m in messages if isinstance(m, dict)}
            oldest = min(stamps)
            if oldest <= start:
                return
            fresh = mids - seen
            seen |= mids
            if fresh:
                upper = oldest + 1 if oldest + 1 < upper else oldest
            else:
                log.warning(
                    "max chat %s: more than %d messages at %d ms; the rest of them is skipped", chat, self.count, oldest
                )
                upper = oldest - 1
        log.warning("max chat %s: stopped after %d pages of messages", chat, MAX_MESSAGE_PAGES)


def make_extractor(**options: Any) -> MaxExtractor:
    """The call planner with the account of the Airflow connection ``max_api``."""
    return MaxExtractor(MaxApi.from_connection(**options))
