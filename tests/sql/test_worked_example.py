"""docs/methodology.md, "Worked example": region 01, block 1 = 70.0, built as actual rows."""

from __future__ import annotations

import pytest

from .builder import org, page, stats

# Region 01: 4 obliged organisations, 3 of them (a, b, c) with live VK and OK pages,
# 2 trained administrators (a and d); 6 live mandatory pages, 3 marked, 6 connected.
# Organisation d has no page at all.
WORKED_EXAMPLE = {
    "regions": ["01", "02"],
    "organizations": [
        org("01-a", "01", qualified=True),
        org("01-b", "01"),
        org("01-c", "01"),
        org("01-d", "01", qualified=True),
        # region 02: one organisation that does everything of block 1
        org("02-a", "02", qualified=True),
    ],
    "pages": [
        page("vk:01-a", "01-a", gov_mark=True, pos_connected=True),
        page("ok:01-a", "01-a", gov_mark=True, pos_connected=True),
        page("vk:01-b", "01-b", gov_mark=True, pos_connected=True),
        page("ok:01-b", "01-b", gov_mark=False, pos_connected=True),
        page("vk:01-c", "01-c", gov_mark=False, pos_connected=True),
        page("ok:01-c", "01-c", gov_mark=False, pos_connected=True),
        page("vk:02-a", "02-a", gov_mark=True, pos_connected=True),
        page("ok:02-a", "02-a", gov_mark=True, pos_connected=True),
    ],
    "page_stats": [
        stats(p) for p in ("vk:01-a", "ok:01-a", "vk:01-b", "ok:01-b", "vk:01-c", "ok:01-c", "vk:02-a", "ok:02-a")
    ],
}


@pytest.fixture
def rating(build):
    return build(**WORKED_EXAMPLE)


def test_worked_example_indicator_values(rating):
    indicators = rating.indicators()
    # I1 = 3 organisations with live vk and ok / 4 organisations = 0.75
    assert indicators["01", "I1"] == pytest.approx((0.75, 75.0))
    # I2 = 3 marked / 6 live mandatory pages = 0.5
    assert indicators["01", "I2"] == pytest.approx((0.5, 50.0))
    # I3 = 6 connected / 6 live mandatory pages = 1.0
    assert indicators["01", "I3"] == pytest.approx((1.0, 100.0))
    # I4 = 2 trained administrators / 4 organisations = 0.5
    assert indicators["01", "I4"] == pytest.approx((0.5, 50.0))


def test_worked_example_block1_is_70(rating):
    # block 1 = 0.4*75 + 0.2*50 + 0.2*100 + 0.2*50 = 30 + 10 + 20 + 10 = 70.0
    assert rating.ranked("01")["block1"] == pytest.approx(70.0)


def test_worked_example_total_points_and_places(rating):
    # No posts anywhere: I5 = 0 regular / 6 live pages = 0, I6-I8 null -> score 0, block 2 = 0.
    # 01: total = 0.5*70 + 0.5*0 = 35.0.
    # 02: I1 = I2 = I3 = I4 = 1 -> block 1 = 100, block 2 = 0 (I5 = 0/2) -> total 50.0.
    ranking = {r["region_code"]: r for r in rating.ranking()}
    assert ranking["01"]["block2"] == pytest.approx(0.0)
    assert ranking["01"]["total"] == pytest.approx(35.0)
    assert ranking["01"]["points"] == pytest.approx(35.0)
    assert ranking["02"]["block1"] == pytest.approx(100.0)
    assert ranking["02"]["total"] == pytest.approx(50.0)
    assert ranking["02"]["points"] == pytest.approx(50.0)
    assert rating.places() == {"02": 1, "01": 2}
