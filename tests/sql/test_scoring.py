"""Scores (docs/methodology.md, "Scores"): shares 100 x value; continuous I6-I8 clipped to the
[q05, q95] percentiles of the non-null regional values (linear interpolation, numpy's
default: position q*(n-1) in the sorted values) and rescaled to 0..100.

I8 is the easiest continuous indicator to set per region (builder.dialogue_regions): one
live page with one post of 1000 views and c comments gives I8 = 1000 * c / 1000 = c. That
page has 1 post, so it is not regular and I6, I7 are null everywhere here.
"""

from __future__ import annotations

import duckdb
import pytest

from .builder import dialogue_regions, org, page, stats


def test_clipping_to_interpolated_percentiles(build):
    # I8: 01 -> 30, 02 -> 0, 03 -> 100, 04 -> 10, 05 -> 20, 06 -> null (left out of the quantiles)
    rating = build(**dialogue_regions({"01": 30, "02": 0, "03": 100, "04": 10, "05": 20, "06": None}))
    # sorted non-null values 0, 10, 20, 30, 100; n = 5
    # q05: pos 0.05*4 = 0.2 -> 0 + 0.2*(10 - 0) = 2.0
    # q95: pos 0.95*4 = 3.8 -> 30 + 0.8*(100 - 30) = 86.0
    row = rating.indicator("01", "I8")
    assert (row["clip_low"], row["clip_high"]) == pytest.approx((2.0, 86.0))
    scores = {code: rating.score(code, "I8") for code in ("01", "02", "03", "04", "05", "06")}
    assert scores == pytest.approx(
        {
            "01": 100 * (30 - 2) / 84,  # 33.33
            "02": 0.0,  # 0 clipped up to 2 -> 0
            "03": 100.0,  # 100 clipped down to 86 -> 100
            "04": 100 * (10 - 2) / 84,  # 9.52
            "05": 100 * (20 - 2) / 84,  # 21.43
            "06": 0.0,  # null value scores 0
        }
    )
    # the value itself is not clipped
    assert rating.value("03", "I8") == pytest.approx(100.0)
    assert rating.value("06", "I8") is None


def test_equal_percentiles_score_every_non_null_value_100(build):
    # I8: 01 -> 5, 02 -> 5, 03 -> null; q05 = q95 = 5 -> 01, 02 score 100; 03 scores 0
    rating = build(**dialogue_regions({"01": 5, "02": 5, "03": None}))
    assert rating.indicators()["01", "I8"] == pytest.approx((5.0, 100.0))
    assert rating.indicators()["02", "I8"] == pytest.approx((5.0, 100.0))
    assert rating.indicators()["03", "I8"] == (None, 0.0)


def test_a_single_non_null_value_scores_100(build):
    # I8: only 02 has a value (7); n = 1 -> q05 = q95 = 7 -> 100
    rating = build(**dialogue_regions({"01": None, "02": 7}))
    assert rating.indicators()["02", "I8"] == pytest.approx((7.0, 100.0))
    assert rating.indicators()["01", "I8"] == (None, 0.0)


def test_all_values_null_score_zero(build):
    rating = build(**dialogue_regions({"01": None, "02": None}))
    for code in ("01", "02"):
        for indicator in ("I6", "I7", "I8"):
            assert rating.indicators()[code, indicator] == (None, 0.0)


def test_share_scores_are_100_times_the_value(build):
    # I4 = 1 qualified / 3 organisations -> 100/3; I5 = 0 regular / 1 live page -> 0
    rating = build(
        organizations=[org("01-a", "01", qualified=True), org("01-b", "01"), org("01-c", "01")],
        pages=[page("vk:01", "01-a")],
        page_stats=[stats("vk:01")],
    )
    assert rating.indicators()["01", "I4"] == pytest.approx((1 / 3, 100 / 3))
    assert rating.indicators()["01", "I5"] == pytest.approx((0.0, 0.0))


def test_block2_and_total_of_clipped_scores(build):
    rating = build(**dialogue_regions({"01": 30, "02": 0, "03": 100, "04": 10, "05": 20, "06": None}))
    # Only I8 scores in block 2 (I5 = 0: one post is not regular; I6, I7 null):
    # 01: block2 = 0.15 * 100*28/84 = 0.15 * 33.33 = 5.0; block1 = 0 (I1: no ok page; I2, I3, I4 = 0)
    #     total = 0.5*0 + 0.5*5.0 = 2.5
    # 03: block2 = 0.15 * 100 = 15.0 -> total 7.5
    assert rating.ranked("01")["block2"] == pytest.approx(5.0)
    assert rating.ranked("01")["total"] == pytest.approx(2.5)
    assert rating.ranked("03")["block2"] == pytest.approx(15.0)
    assert rating.ranked("03")["total"] == pytest.approx(7.5)


# Bounds from a real month (issue 7): scaling before dividing, 100 * (x - low) / (high - low),
# gives 100.00000000000001 at x = high, which the marts suite rejects as a score above 100.
REAL_LOW = 1.6846558584956783
REAL_HIGH = 8.324328359838416


def _scores_of_regional_values(values: dict[str, float]):
    """The `indicators` mart over hand-set I8 values (every other indicator 0)."""
    from gospublic_rating import methodology, models
    from gospublic_rating.period import Period

    with duckdb.connect(":memory:") as con:
        con.execute(
            "create table int_region_indicators "
            "(region_code varchar, indicator varchar, value double, numerator double, denominator double)"
        )
        rows = [(code, i, 0.0, 0.0, 1.0) for code in values for i in ("I1", "I2", "I3", "I4", "I5")]
        rows += [(code, i, None, None, 0.0) for code in values for i in ("I6", "I7")]
        rows += [(code, "I8", value, None, None) for code, value in values.items()]
        con.executemany("insert into int_region_indicators values (?, ?, ?, ?, ?)", rows)
        rules = methodology.load("v1")
        models.install_methodology(con, rules)
        sql = (
            "select region_code, clip_low, clip_high, score "
            f"from (\n{models.model_sql('marts', 'indicators')}\n) where indicator = 'I8'"
        )
        rows = models.execute(con, sql, models.sql_parameters(rules, Period.parse("2026-10"))).fetchall()
    return {code: (low, high, score) for code, low, high, score in rows}


def test_the_clip_bounds_score_exactly_0_and_100():
    # 21 regions: three at REAL_LOW, three at REAL_HIGH, the rest between. n - 1 = 20, so q05
    # sits at position 1 (x0 = x1 = x2 = REAL_LOW) and q95 at 19 (x18 = x19 = x20 = REAL_HIGH):
    # whatever rounding the positions get, the bounds are exactly REAL_LOW and REAL_HIGH.
    values = {f"{i:02d}": 2.0 + i * 0.25 for i in range(1, 22)}
    for code in ("01", "02", "03"):
        values[code] = REAL_LOW
    for code in ("19", "20", "21"):
        values[code] = REAL_HIGH
    scores = _scores_of_regional_values(values)
    assert {(low, high) for low, high, _ in scores.values()} == {(REAL_LOW, REAL_HIGH)}
    assert [scores[code][2] for code in ("19", "20", "21")] == [100.0, 100.0, 100.0]
    assert [scores[code][2] for code in ("01", "02", "03")] == [0.0, 0.0, 0.0]
    assert max(score for _, _, score in scores.values()) <= 100.0
    # a middle value: 100 * (4.5 - low) / (high - low)
    assert scores["10"][2] == pytest.approx(100 * (4.5 - REAL_LOW) / (REAL_HIGH - REAL_LOW))
