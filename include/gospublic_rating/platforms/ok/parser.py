"""OK parser: page_stats and posts rows from the landing records of one batch alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ...extract.counters import counter, to_int
from ...extract.landing import MalformedLanding, batch_head
from ...extract.rows import post_row, stats_row
from .api import (
    GETINFO_METHOD,
    PAGE_STATUS,
    PLATFORM,
    PRIVATE_ACCESS,
    RESOLVE_METHOD,
    TOPICS_METHOD,
    WEB_PREFIX,
    error_code,
    groups_of,
    ms,
    resolved_uid,
)


def parse(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """page_stats rows and posts rows from the landing records of one batch alone."""
    stream = iter(records)
    head, period = batch_head(stream, PLATFORM)
    platform = head.get("platform") or PLATFORM
    start_ms, end_ms = ms(period.start_utc), ms(period.end_utc)
    records = list(stream)
    resolved: dict[str, tuple[str | None, datetime]] = {}  # name -> (group id or None, received_at)
    for record in records:
        if record.get("kind") == "call" and record.get("method") == RESOLVE_METHOD:
            url = str((record.get("params") or {}).get("url") or "")
            name = url[len(WEB_PREFIX) :] if url.startswith(WEB_PREFIX) else url
            received = datetime.fromisoformat(record["received_at"]).astimezone(UTC)
            resolved[name] = (resolved_uid(record.get("response")), received)
    pages: list[tuple[str, str]] = []  # (page_id, group id) of the pages that have one
    unresolved: dict[str, datetime] = {}  # page_id -> when url.getInfo said it is no group
    for page_id, ident in ((str(p), str(i)) for p, i in head["pages"]):
        if ident.isdigit():
            pages.append((page_id, ident))
        elif ident not in resolved:
            raise MalformedLanding(
                f"ok landing batch {head.get('batch')}: page {page_id} is given by name "
                "and no url.getInfo answer resolves it"
            )
        elif resolved[ident][0] is None:
            unresolved[page_id] = resolved[ident][1]
        else:
            pages.append((page_id, resolved[ident][0]))
    page_ids_of: dict[str, list[str]] = {}
    for page_id, uid in pages:
        page_ids_of.setdefault(uid, []).append(page_id)

    seen: dict[str, tuple[str, int | None, datetime]] = {}  # uid -> (status, followers, observed_at)
    topic_status: dict[str, str] = {}
    posts: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        if record.get("kind") != "call":
            continue
        method, params, response = record.get("method"), record.get("params") or {}, record.get("response")
        if method == GETINFO_METHOD:
            received = datetime.fromisoformat(record["received_at"]).astimezone(UTC)
            uids = [u for u in str(params.get("uids") or "").split(",") if u]
            code = error_code(response)
            if code is not None:
                if len(uids) == 1 and code in PAGE_STATUS:
                    seen[uids[0]] = (PAGE_STATUS[code], None, received)
                continue
            by_uid = {str(g.get("uid")): g for g in groups_of(response)}
            for uid in uids:
                group = by_uid.get(uid)
                if group is None:
                    seen[uid] = ("not_found", None, received)
                elif str(group.get("access_type") or "").upper() in PRIVATE_ACCESS:
                    seen[uid] = ("private", None, received)
                else:
                    seen[uid] = ("active", to_int(group.get("members_count")), received)
        elif method == TOPICS_METHOD:
            uid = str(params.get("gid"))
            code = error_code(response)
            if code is not None:
                if code in PAGE_STATUS:
                    topic_status[uid] = PAGE_STATUS[code]
                continue
            for topic in response.get("media_topics") or [] if isinstance(response, dict) else []:
                created = to_int(topic.get("created_ms"))
                if created is None or not start_ms <= created < end_ms:
                    continue
                for page_id in page_ids_of.get(uid, []):
                    row = _post_row(page_id, platform, topic, created)
                    posts[(page_id, row["post_id"])] = row

    stats, active = [], set()
    uid_of = dict(pages)
    for page_id in (str(p) for p, _ in head["pages"]):
        if page_id in unresolved:
            stats.append(stats_row(page_id, platform, period, unresolved[page_id], "not_found"))
            continue
        uid = uid_of[page_id]
        if uid not in seen:
            raise MalformedLanding(
                f"ok landing batch {head.get('batch')}: no group.getInfo answer covers page {page_id}"
            )
        status, followers, observed_at = seen[uid]
        if status == "active" and uid in topic_status:
            status, followers = topic_status[uid], None
        if status == "active":
            active.add(page_id)
        stats.append(stats_row(page_id, platform, period, observed_at, status, followers))
    return stats, [row for (page_id, _), row in posts.items() if page_id in active]


def _post_row(page_id: str, platform: str, topic: dict[str, Any], created_ms: int) -> dict[str, Any]:
    return post_row(
        page_id,
        platform,
        str(topic.get("id")),
        datetime.fromtimestamp(created_ms / 1000, UTC),
        views=counter(topic.get("views_count")),
        likes=counter((topic.get("like_summary") or {}).get("count")),
        comments=counter((topic.get("discussion_summary") or {}).get("comments_count")),
        reposts=counter((topic.get("reshare_summary") or {}).get("count")),
    )
