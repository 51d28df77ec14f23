"""Total, points and places (docs/methodology.md, "Scores"), and regions without any data.

With share indicators only, total = 0.5*(0.4*S1 + 0.2*S2 + 0.2*S3 + 0.2*S4) + 0.5*0.3*S5
where Sk = 100 x Ik, i.e. total = 20*I1 + 10*I2 + 10*I3 + 10*I4 + 15*I5.
"""

from __future__ import annotations

import pytest

from .builder import dialogue_regions, org, page, posts, region, stats


def organisations(region_code: str, count: int, qualified: int) -> list[dict]:
    """``count`` organisations of a region without pages, the first ``qualified`` of them
    with a trained administrator: I1 = 0, I2 = I3 = 0 (no page), I4 = qualified / count."""
    return [org(f"{region_code}-{i}", region_code, qualified=i <= qualified) for i in range(1, count + 1)]


def test_equal_points_share_a_place_and_places_are_dense(build):
    rating = build(
        regions=["01", "02", "03", "04", "05"],
        organizations=[
            *organisations("01", 1, qualified=1),  # I4 = 1/1 -> total 10*1 = 10.0
            *organisations("02", 2, qualified=1),  # I4 = 1/2 -> total 10*0.5 = 5.0
            org("03-a", "03"),  # see pages below -> total 5.0
            *organisations("05", 1, qualified=0),  # nothing -> total 0.0
            # 04: no organisation at all -> total 0.0
        ],
        # 03: three live telegram pages, one with 4 posts (of 0 views, so I6-I8 stay null)
        # -> I5 = 1/3, score 33.33, block2 = 0.3*33.33 = 10.0, total = 0.5*10 = 5.0
        pages=[page("telegram:03-1", "03-a"), page("telegram:03-2", "03-a"), page("telegram:03-3", "03-a")],
        page_stats=[stats("telegram:03-1"), stats("telegram:03-2"), stats("telegram:03-3")],
        posts=posts("telegram:03-1", 4, views=0),
    )
    points = {r["region_code"]: r["points"] for r in rating.ranking()}
    assert points == pytest.approx({"01": 10.0, "02": 5.0, "03": 5.0, "04": 0.0, "05": 0.0})
    # dense rank by points descending: 10.0 -> 1; 5.0, 5.0 -> 2; 0.0, 0.0 -> 3
    assert rating.places() == {"01": 1, "02": 2, "03": 2, "04": 3, "05": 3}


def test_places_follow_points_not_the_unrounded_total(build):
    rating = build(
        regions=["01", "02", "03"],
        organizations=[
            # 01: I4 = 5/9 -> total 10*5/9 = 5.5556 -> points 5.6
            *organisations("01", 9, qualified=5),
            # 02: one unqualified organisation with 8 live telegram pages, 3 of them with 4 posts
            #     (0 views) -> I5 = 3/8, total 15*3/8 = 5.625 -> points 5.6
            org("02-a", "02"),
            # 03: I4 = 1/2 -> total 5.0 -> points 5.0
            *organisations("03", 2, qualified=1),
        ],
        pages=[page(f"telegram:02-{i}", "02-a") for i in range(1, 9)],
        page_stats=[stats(f"telegram:02-{i}") for i in range(1, 9)],
        posts=[row for i in (1, 2, 3) for row in posts(f"telegram:02-{i}", 4, views=0)],
    )
    ranking = {r["region_code"]: r for r in rating.ranking()}
    assert ranking["01"]["total"] == pytest.approx(50 / 9)
    assert ranking["02"]["total"] == pytest.approx(5.625)
    assert ranking["01"]["points"] == pytest.approx(5.6)
    assert ranking["02"]["points"] == pytest.approx(5.6)
    assert ranking["03"]["points"] == pytest.approx(5.0)
    # 5.5556 < 5.625, but both have 5.6 points -> shared place 1; 5.0 -> place 2
    assert rating.places() == {"01": 1, "02": 1, "03": 2}


@pytest.mark.parametrize(
    ("qualified", "count", "total", "points"),
    [
        # total = 10 * qualified / count, exactly halfway between two 1-decimal numbers;
        # half away from zero rounds up (banker's rounding would give 1.2 and 6.2 for the first two)
        (1, 8, 1.25, 1.3),
        (5, 8, 6.25, 6.3),
        # halves that are not exact in binary floating point
        (3, 200, 0.15, 0.2),
        (23, 200, 1.15, 1.2),
        (29, 200, 1.45, 1.5),
    ],
)
def test_points_round_half_away_from_zero(build, qualified, count, total, points):
    # I4 = qualified/count; block1 = 0.2*100*I4; block2 = 0; total = 0.5*block1 = 10*I4
    rating = build(regions=["01"], organizations=organisations("01", count, qualified))
    row = rating.ranked("01")
    assert row["total"] == pytest.approx(total)
    assert row["points"] == pytest.approx(points, abs=1e-9)


def test_points_of_a_total_just_below_a_half_round_down(build):
    # I4 = 1/3 -> total 10/3 = 3.333 -> 3.3;  I4 = 2/3 -> 6.667 -> 6.7
    rating = build(
        regions=["01", "02"],
        organizations=[*organisations("01", 3, qualified=1), *organisations("02", 3, qualified=2)],
    )
    assert rating.ranked("01")["points"] == pytest.approx(3.3, abs=1e-9)
    assert rating.ranked("02")["points"] == pytest.approx(6.7, abs=1e-9)


@pytest.mark.parametrize(
    ("comments", "total", "points"),
    [
        (53_899_999, 1.44999996875, 1.4),  # just below the half: rounds down
        (53_900_001, 1.45000003125, 1.5),  # just above the half: rounds up
    ],
)
def test_points_of_a_total_a_hair_from_a_half(build, comments, total, points):
    # I8 (builder.dialogue_regions): 01..05 -> 0, 10, 20, 30, 100 (1000 views each);
    # 06: one post of 3,000,000,000 views -> I8 = 1000 * comments / 3e9 = comments / 3e6
    #   53,899,999 -> 17.966666333...;  53,900,001 -> 17.966667000...
    # sorted non-null: 0, 10, I8(06), 20, 30, 100; n = 6
    #   q05: pos 0.05*5 = 0.25 -> 0 + 0.25*10 = 2.5;  q95: pos 0.95*5 = 4.75 -> 30 + 0.75*70 = 82.5
    # score(06) = 100 * (I8 - 2.5) / 80 = 1.25 * (comments - 7,500,000) / 3e6 = (comments - 7.5e6) / 2.4e6
    #   = 46,399,999 / 2,400,000 = 19.333332916...  or  46,400,001 / 2,400,000 = 19.333333750
    # 06 has nothing else (I1-I5 = 0, I6-I7 null): total = 0.5 * 0.15 * score
    #   = 1.44999996875 -> 1.4  or  1.45000003125 -> 1.5
    rating = build(
        **dialogue_regions(
            {"01": 0, "02": 10, "03": 20, "04": 30, "05": 100, "06": comments},
            views={"06": 3_000_000_000},
        )
    )
    row = rating.ranked("06")
    assert row["total"] == pytest.approx(total, rel=1e-12)
    assert row["points"] == pytest.approx(points, abs=1e-9)


@pytest.fixture
def with_empty_regions(build):
    return build(
        regions=[
            "01",
            region("77", region_name="г. Москва", federal_district="Центральный"),
            region("78", region_name="г. Санкт-Петербург", federal_district="Северо-Западный"),
        ],
        organizations=[
            org("01-a", "01", qualified=True),
            # 78: an organisation without any page; 77: nothing at all
            org("78-a", "78"),
        ],
        # 01: one live vk page, 4 posts x (100 views, 1 comment); 100 followers
        pages=[page("vk:01", "01-a")],
        page_stats=[stats("vk:01", followers=100)],
        posts=posts("vk:01", 4, views=100, comments=1),
    )


def test_a_region_without_data_has_all_eight_indicators(with_empty_regions):
    indicators = with_empty_regions.indicators()
    for code in ("77", "78"):
        # shares I1-I5 are 0 (denominators 0 or nothing counted), score 0
        for indicator in ("I1", "I2", "I3", "I4", "I5"):
            assert indicators[code, indicator] == (0.0, 0.0), (code, indicator)
        # continuous I6-I8 are null, score 0
        for indicator in ("I6", "I7", "I8"):
            assert indicators[code, indicator] == (None, 0.0), (code, indicator)
    # 3 regions x 8 indicators, nothing else
    assert len(indicators) == 24


def test_a_region_without_data_is_still_ranked(with_empty_regions):
    # 01: I1 = 0 (no ok page), I2 = I3 = 0/1, I4 = 1/1 -> block1 = 0.2*100 = 20
    #     I5 = 1/1; I6 = (400/4)/100 = 1.0, I7 = 4/400 = 0.01, I8 = 1000*4/400 = 10,
    #     each the only non-null value -> q05 = q95 -> 100; block2 = 100
    #     total = 0.5*20 + 0.5*100 = 60.0
    # 77, 78: total 0.0, sharing place 2
    ranking = {r["region_code"]: r for r in with_empty_regions.ranking()}
    assert set(ranking) == {"01", "77", "78"}
    assert ranking["01"]["total"] == pytest.approx(60.0)
    assert ranking["01"]["place"] == 1
    for code in ("77", "78"):
        row = ranking[code]
        assert (row["block1"], row["block2"], row["total"], row["points"]) == pytest.approx((0, 0, 0, 0))
        assert row["place"] == 2
    assert ranking["77"]["region_name"] == "г. Москва"
    assert ranking["78"]["federal_district"] == "Северо-Западный"
