"""Period boundaries in Moscow time and the de-duplication of platform data.

Period 2026-10 = [2026-10-01 00:00 MSK, 2026-11-01 00:00 MSK) = [2026-09-30 21:00 UTC,
2026-10-31 21:00 UTC) (Moscow is UTC+3 all year).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from .builder import org, page, post, stats


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# One live vk page (100 followers). Posts inside the period: 100 views, 1 comment each;
# posts outside: 100 views, 100 comments each (so any of them would change I8).
BOUNDARY_POSTS = {
    #      published_at (UTC)             Moscow time              in the period?
    "before": utc(2026, 9, 30, 20, 59, 59),  # Sep 30 23:59:59    no
    "first": utc(2026, 9, 30, 21, 0, 0),  # Oct 1 00:00:00        yes (UTC date still September)
    "early": utc(2026, 9, 30, 22, 0, 0),  # Oct 1 01:00:00        yes (UTC date still September)
    "last": utc(2026, 10, 31, 20, 59, 59),  # Oct 31 23:59:59     yes
    "end": utc(2026, 10, 31, 21, 0, 0),  # Nov 1 00:00:00         no  (UTC date still October)
    "late": utc(2026, 10, 31, 22, 0, 0),  # Nov 1 01:00:00        no  (UTC date still October)
}
INSIDE = {"first", "early", "last"}


@pytest.mark.parametrize("timezone", [None, "UTC", "America/Los_Angeles", "Asia/Vladivostok"])
def test_period_boundaries_in_moscow_time(build, timezone):
    rating = build(
        timezone=timezone,
        organizations=[org("01-a", "01")],
        pages=[page("vk:01", "01-a")],
        page_stats=[stats("vk:01", followers=100)],
        posts=[
            post("vk:01", "mid", views=100, comments=1),  # 2026-10-15 12:00 UTC (default): yes
            *(
                post("vk:01", name, published_at=at, views=100, comments=1 if name in INSIDE else 100)
                for name, at in BOUNDARY_POSTS.items()
            ),
        ],
    )
    kept = {r["post_id"] for r in rating.rows("select post_id from stg_posts")}
    assert kept == {"mid", "first", "early", "last"}
    # 4 posts in the period -> regular: I5 = 1/1 (3 posts, i.e. 'first' lost, would give 0)
    assert rating.value("01", "I5") == pytest.approx(1.0)
    # I8 = 1000 * (4 x 1 comment) / (4 x 100 views) = 10.0
    assert rating.value("01", "I8") == pytest.approx(10.0)
    # I6 = (400 / 4) / 100 = 1.0
    assert rating.value("01", "I6") == pytest.approx(1.0)


def test_page_stats_of_other_periods_are_ignored(build):
    rating = build(
        organizations=[org("01-a", "01")],
        pages=[
            page("vk:01-1", "01-a", gov_mark=True),
            page("ok:01-1", "01-a", gov_mark=True),
            page("ok:01-2", "01-a", gov_mark=True),
        ],
        page_stats=[
            stats("vk:01-1"),
            # ok:01-1: only a row of period 2026-09 (active) -> no row for 2026-10 -> not live
            stats("ok:01-1", period="2026-09", observed_at=utc(2026, 10, 1, 6, 0)),
            # ok:01-2: deleted in 2026-10; a later active row belongs to 2026-11 -> not live
            stats("ok:01-2", status="deleted", observed_at=utc(2026, 11, 1, 6, 0)),
            stats("ok:01-2", period="2026-11", observed_at=utc(2026, 12, 1, 6, 0)),
        ],
    )
    rows = rating.rows("select page_id, period, status from stg_page_stats order by page_id")
    assert [(r["page_id"], r["period"], r["status"]) for r in rows] == [
        ("ok:01-2", "2026-10", "deleted"),
        ("vk:01-1", "2026-10", "active"),
    ]
    # 01-a: live vk:01-1 only -> I1 = 0/1; M = {vk:01-1} (marked) -> I2 = 1/1
    # (with the other periods' rows: ok:01-1 and ok:01-2 live -> I1 = 1/1)
    assert rating.value("01", "I1") == pytest.approx(0.0)
    assert rating.value("01", "I2") == pytest.approx(1.0)
