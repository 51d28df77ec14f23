"""Telegram parser: page_stats and posts rows from the landing records of one batch alone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from ...extract.counters import counter, to_int
from ...extract.landing import MalformedLanding, batch_head
from ...extract.rows import post_row, stats_row
from .api import MULTI_KEYS, PLATFORM
from .urls import username


def parse(records: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """page_stats rows and posts rows (dicts with exactly the contract columns) from the landing
    records of one batch alone. observed_at = received_at of the channels/get call."""
    records = iter(records)
    head, period = batch_head(records, PLATFORM)
    start, end = period.start_utc, period.end_utc
    pages = [(page_id, platform_page_id) for page_id, platform_page_id in head["pages"]]
    page_of = {username(platform_page_id): page_id for page_id, platform_page_id in pages}

    info: dict[str, tuple[str, dict]] = {}
    items: dict[str, dict[str, dict]] = {page_id: {} for page_id, _ in pages}
    multi: dict[tuple[str, str], dict] = {}
    for record in records:
        if record.get("kind") != "call":
            continue
        page_id = page_of.get(username(record["params"].get("channelId", "")))
        if page_id is None:
            raise MalformedLanding(
                f"landing call {record['method']} for {record['params'].get('channelId')!r}: not a page of the batch"
            )
        body = record["response"] or {}
        ok = body.get("status") == "ok"
        if record["method"] == "channels/get":
            info[page_id] = (record["received_at"], body)
        elif record["method"] == "channels/posts" and ok:
            for item in (body["response"] or {}).get("items") or []:
                items[page_id].setdefault(str(item["id"]), item)
        elif record["method"] == "posts/stat-multi" and ok:
            answer = body["response"]
            for entry in answer.get("items", []) if isinstance(answer, dict) else answer or []:
                multi[(page_id, str(entry.get("postId")))] = entry

    stats, posts = [], []
    for page_id, platform_page_id in pages:
        if page_id not in info:
            raise MalformedLanding(f"landing batch has no channels/get answer for {page_id} ({platform_page_id})")
        received_at, body = info[page_id]
        active = body.get("status") == "ok"
        channel = (body.get("response") or {}) if active else {}
        followers = channel.get("participants_count")
        observed_at = datetime.fromisoformat(received_at).astimezone(UTC)
        followers = to_int(followers) if active else None
        stats.append(stats_row(page_id, PLATFORM, period, observed_at, "active" if active else "not_found", followers))
        if not active:
            continue
        seen: set[str] = set()
        for tgstat_id, item in items[page_id].items():
            if item.get("is_deleted") or item.get("date") is None:
                continue
            published = datetime.fromtimestamp(to_int(item["date"]) or 0, UTC)
            if not start <= published < end:
                continue
            post_id = _post_id(item)
            if post_id in seen:
                continue
            seen.add(post_id)
            extra = multi.get((page_id, tgstat_id), {})

            def read(key: str, item=item, extra=extra) -> int:
                return counter(item.get(key) if key in item else extra.get(MULTI_KEYS[key]))

            posts.append(
                post_row(
                    page_id,
                    PLATFORM,
                    post_id,
                    published,
                    views=read("views"),
                    likes=read("reactions_count"),
                    comments=read("comments_count"),
                    reposts=read("shares_count"),
                )
            )
    return stats, posts


def _post_id(item: dict) -> str:
    match = re.search(r"/(\d+)/?$", str(item.get("link") or ""))
    return match.group(1) if match else str(item["id"])
