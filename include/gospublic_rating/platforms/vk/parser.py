"""VK parser: page_stats and posts rows from the landing records of one batch alone.

Statuses from ``groups.getById``: ``deactivated`` ``deleted``/``banned`` → that status;
``is_closed`` 1 (closed) or 2 (private) without ``is_member``/``is_admin`` → private (the wall
is not readable, so no ``wall.get`` is made); an id that is not returned → not_found; an id
that cannot be a VK id or screen name (characters outside ``[A-Za-z0-9_.]``) → not_found
without a call. Only active pages get ``wall.get``; a page whose ``wall.get`` fails with one of
the codes above takes that status (its posts are dropped).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ...extract.counters import counter
from ...extract.landing import batch_head
from ...extract.rows import post_row, stats_row
from .api import PLATFORM, STATUS_BY_CODE, execute_outcomes, group_status, groups_of, wall_calls
from .urls import page_key


def parse(records: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """page_stats rows and posts rows (dicts with exactly the contract columns) from the landing
    records of one batch alone. observed_at = received_at of the groups.getById call that
    described the page (for a page VK did not describe: of the call that asked for it)."""
    records = iter(records)
    head, period = batch_head(records, PLATFORM)
    start, end = int(period.start_utc.timestamp()), int(period.end_utc.timestamp())

    described: dict[tuple[str, Any], tuple[dict, str]] = {}
    asked: dict[tuple[str, Any], str] = {}
    refused: dict[tuple[str, Any], tuple[str, str]] = {}
    first_call: str | None = None
    wall_status: dict[int, str] = {}
    posts: dict[int, dict[str, dict]] = {}
    for record in records:
        if record.get("kind") != "call":
            continue
        method, params, body, at = (
            record["method"],
            record.get("params") or {},
            record["response"],
            record.get("received_at"),
        )
        if method == "groups.getById":
            first_call = first_call or at
            keys = [k for k in (page_key(t) for t in str(params.get("group_ids", "")).split(",") if t) if k]
            error = body.get("error") if isinstance(body, dict) else None
            if error is not None:
                if len(keys) == 1 and error.get("error_code") in STATUS_BY_CODE:
                    refused.setdefault(keys[0], (STATUS_BY_CODE[error["error_code"]], at))
                continue
            for key in keys:
                asked.setdefault(key, at)
            for group in groups_of(body):
                for key in (("id", int(group["id"])), ("name", str(group.get("screen_name", "")).lower())):
                    if key in asked and key not in described:
                        described[key] = (group, at)
        elif method == "execute":
            calls = wall_calls(str(params.get("code", "")))
            for (gid, _), (result, error) in zip(calls, execute_outcomes(calls, body), strict=True):
                if result is not None:
                    kept = posts.setdefault(gid, {})
                    for item in result.get("items") or []:
                        if "id" in item and "date" in item and start <= int(item["date"]) < end:
                            kept.setdefault(str(item["id"]), item)
                elif error.get("error_code") in STATUS_BY_CODE:
                    wall_status.setdefault(gid, STATUS_BY_CODE[error["error_code"]])

    stats_rows, post_rows = [], []
    for page_id, platform_page_id in head["pages"]:
        key = page_key(platform_page_id)
        followers = gov_mark = gid = None
        if key in described:
            group, at = described[key]
            gid = int(group["id"])
            status = group_status(group)
            if status == "active":
                status = wall_status.get(gid, "active")
            if status == "active" and group.get("members_count") is not None:
                followers = int(group["members_count"])
            if group.get("is_government_organization") is not None:
                gov_mark = bool(group["is_government_organization"])
        elif key in refused:
            status, at = refused[key]
        else:
            status, at = "not_found", asked.get(key, first_call)
        stats_rows.append(stats_row(page_id, PLATFORM, period, _received(at), status, followers, gov_mark))
        if status != "active":
            continue
        for post_id, item in posts.get(gid, {}).items():
            post_rows.append(
                post_row(
                    page_id,
                    PLATFORM,
                    post_id,
                    datetime.fromtimestamp(int(item["date"]), UTC),
                    views=counter(item.get("views")),
                    likes=counter(item.get("likes")),
                    comments=counter(item.get("comments")),
                    reposts=counter(item.get("reposts")),
                )
            )
    return stats_rows, post_rows


def _received(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
