"""OK parser: page_stats and posts rows from the landing records of one batch alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ...extract.counters import counter, to_int
from ...extract.landing import MalformedLanding, batch_head
from ...extract.rows import post_row, stats_row
from .api import GETINFO_METHOD, PAGE_STATUS, PLATFORM, PRIVATE_ACCESS, TOPICS_METHOD, error_code, groups_of, ms


def parse(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """page_stats rows and posts rows from the landing records of one batch alone."""
    stream = iter(records)
    head, period = batch_head(stream, PLATFORM)
    platform = head.get("platform") or PLATFORM
    start_ms, end_ms = ms(period.start_utc), ms(period.end_utc)
    pages = [(str(page_id), str(uid)) for page_id, uid in head["pages"]]
    page_ids_of: dict[str, list[str]] = {}
    for page_id, uid in pages:
        page_ids_of.setdefault(uid, []).append(page_id)

    seen: dict[str, tuple[str, int | None, datetime]] = {}  # uid -> (status, followers, observed_at)
    topic_status: dict[str, str] = {}
    posts: dict[tuple[str, str], dict[str, Any]] = {}
    for record in stream:
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
    for page_id, uid in pages:
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
