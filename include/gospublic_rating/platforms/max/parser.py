"""MAX parser: page_stats and posts rows from the landing records of one batch alone.

* Page status: from the chat's ``status`` (active → active; closed → deleted; removed, left,
  suspended → private: the bot cannot read the channel); HTTP 403 → private; HTTP 404, or a
  public link that could not be resolved to a chat id → not_found.
* ``followers`` = ``participants_count``; ``platform_gov_mark`` = null (the Chat object has no
  such mark).
* Posts: the messages of the period (``timestamp`` in ms), each ``body.mid`` once;
  ``views`` = ``stat.views``; ``likes``, ``comments`` and ``reposts`` are null: MAX reports
  no reactions, forwards or comment counts (methodology v2 leaves MAX out of I7 and I8).
* ``observed_at``: ``received_at`` of the call that described the chat (or refused it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ...extract.counters import counter, to_int
from ...extract.landing import MalformedLanding, batch_head
from ...extract.rows import post_row, stats_row
from .api import CHAT_METHOD, CHAT_STATUS, MESSAGES_METHOD, PAGE_STATUS_BY_HTTP, PLATFORM
from .urls import chat_id


def parse(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    stream = iter(records)
    head, period = batch_head(stream, PLATFORM)
    start = round(period.start_utc.timestamp() * 1000)
    end = round(period.end_utc.timestamp() * 1000)
    links: dict[str, tuple[int | None, str]] = {}  # link → (chat id, received_at)
    chats: dict[int, tuple[str, int | None, str]] = {}  # chat id → (status, followers, received_at)
    messages: dict[int, dict[str, dict]] = {}
    for record in stream:
        if record.get("kind") != "call":
            continue
        params, body, at = record.get("params") or {}, record.get("response") or {}, record.get("received_at")
        refused = PAGE_STATUS_BY_HTTP.get(to_int(body.get("http_status")))
        if record.get("method") == CHAT_METHOD and "link" in params:
            links[str(params["link"])] = (None if refused else to_int(body.get("chat_id")), at)
        elif record.get("method") == CHAT_METHOD:
            chat = to_int(params.get("chat_id"))
            if refused:
                chats[chat] = (refused, None, at)
            else:
                status = CHAT_STATUS.get(str(body.get("status")), "private")
                chats[chat] = (status, to_int(body.get("participants_count")), at)
        elif record.get("method") == MESSAGES_METHOD and not refused:
            kept = messages.setdefault(to_int(params.get("chat_id")), {})
            for message in body.get("messages") or []:
                stamp = to_int(message.get("timestamp"))
                mid = (message.get("body") or {}).get("mid")
                if mid is not None and stamp is not None and start <= stamp < end:
                    kept.setdefault(str(mid), message)

    stats, posts = [], []
    for page_id, platform_page_id in head["pages"]:
        chat, at = chat_id(platform_page_id), None
        if chat is None:
            if platform_page_id not in links:
                raise MalformedLanding(f"max landing batch {head.get('batch')}: no lookup of {platform_page_id!r}")
            chat, at = links[platform_page_id]
        if chat is None or chat not in chats:
            if at is None:
                raise MalformedLanding(f"max landing batch {head.get('batch')}: no chat answer for {page_id}")
            status, followers = "not_found", None
        else:
            status, followers, at = chats[chat]
        stats.append(stats_row(page_id, PLATFORM, period, _received(at), status, followers))
        if status != "active":
            continue
        for mid, message in messages.get(chat, {}).items():
            published = datetime.fromtimestamp(to_int(message["timestamp"]) / 1000, UTC)
            views = counter((message.get("stat") or {}).get("views"))
            posts.append(
                post_row(page_id, PLATFORM, mid, published, views=views, likes=None, comments=None, reposts=None)
            )
    return stats, posts


def _received(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None
