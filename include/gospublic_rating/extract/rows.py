"""Contract rows of page_stats and posts, built the same way by every platform's parser."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..period import Period


def stats_row(
    page_id: str,
    platform: str,
    period: Period,
    observed_at: datetime | None,
    status: str,
    followers: int | None = None,
    gov_mark: bool | None = None,
) -> dict[str, Any]:
    """A page_stats row; followers only for an active page."""
    return {
        "page_id": page_id,
        "platform": platform,
        "period": str(period),
        "observed_at": observed_at,
        "status": status,
        "followers": followers if status == "active" else None,
        "platform_gov_mark": gov_mark,
    }


def post_row(
    page_id: str,
    platform: str,
    post_id: str,
    published_at: datetime,
    *,
    views: int | None,
    likes: int | None,
    comments: int | None,
    reposts: int | None,
) -> dict[str, Any]:
    """A posts row. A counter the platform does not report at all is None (null), not 0."""
    return {
        "page_id": page_id,
        "platform": platform,
        "post_id": str(post_id),
        "published_at": published_at,
        "views": views,
        "likes": likes,
        "comments": comments,
        "reposts": reposts,
    }
