"""Block 1 indicators I1-I4 (docs/methodology.md, "Definitions" and "Indicators")."""

from __future__ import annotations

import pytest

from .builder import org, page, stats


@pytest.fixture
def rating(build):
    return build(
        regions=["01", "02", "03", "04"],
        organizations=[
            # region 01: presence (I1)
            org("01-a", "01"),  # live vk + live ok                      -> present
            org("01-b", "01"),  # live vk + live telegram, no ok         -> not present
            org("01-c", "01"),  # live telegram only                     -> not present
            org("01-d", "01"),  # live vk + ok with status 'deleted'     -> not present
            org("01-e", "01"),  # live vk + ok with no page_stats row    -> not present
            org("01-f", "01"),  # two live vk pages, no ok               -> not present
            org("01-g", "01"),  # live vk + live ok + deleted telegram   -> present
            org("01-h", "01"),  # no page at all                         -> not present
            # region 02: gov_mark / pos_connected (I2, I3) over live mandatory pages
            org("02-a", "02"),
            # region 03: live pages on telegram only
            org("03-a", "03"),
            # region 04: qualified administrators (I4)
            org("04-a", "04", qualified=True),
            org("04-b", "04", qualified=False),
            org("04-c", "04", qualified=True),
        ],
        pages=[
            page("vk:01-a", "01-a"),
            page("ok:01-a", "01-a"),
            page("vk:01-b", "01-b"),
            page("telegram:01-b", "01-b"),
            page("telegram:01-c", "01-c"),
            page("vk:01-d", "01-d"),
            page("ok:01-d", "01-d"),
            page("vk:01-e", "01-e"),
            page("ok:01-e", "01-e"),
            page("vk:01-f1", "01-f"),
            page("vk:01-f2", "01-f"),
            page("vk:01-g", "01-g"),
            page("ok:01-g", "01-g"),
            page("telegram:01-g", "01-g"),
            #                                   gov_mark  pos_connected  live?
            page("vk:02-1", "02-a", gov_mark=True, pos_connected=True),  # yes -> in M
            page("ok:02-1", "02-a", gov_mark=True, pos_connected=False),  # yes -> in M
            page("ok:02-2", "02-a", gov_mark=False, pos_connected=False),  # yes -> in M
            page("telegram:02-1", "02-a", gov_mark=True, pos_connected=True),  # yes, not mandatory
            page("vk:02-2", "02-a", gov_mark=True, pos_connected=True),  # banned
            page("ok:02-3", "02-a", gov_mark=True, pos_connected=True),  # no page_stats row
            page("telegram:03-1", "03-a", gov_mark=True, pos_connected=True),
        ],
        page_stats=[
            stats("vk:01-a"),
            stats("ok:01-a"),
            stats("vk:01-b"),
            stats("telegram:01-b"),
            stats("telegram:01-c"),
            stats("vk:01-d"),
            stats("ok:01-d", status="deleted"),
            stats("vk:01-e"),
            # ok:01-e has no page_stats row
            stats("vk:01-f1"),
            stats("vk:01-f2"),
            stats("vk:01-g"),
            stats("ok:01-g"),
            stats("telegram:01-g", status="deleted"),
            stats("vk:02-1"),
            stats("ok:02-1"),
            stats("ok:02-2"),
            stats("telegram:02-1"),
            stats("vk:02-2", status="banned"),
            # ok:02-3 has no page_stats row
            stats("telegram:03-1"),
        ],
    )


def test_i1_needs_a_live_page_on_each_mandatory_platform(rating):
    # I1(01) = present {01-a, 01-g} / 8 organisations = 2/8 = 0.25; score 25
    assert rating.value("01", "I1") == pytest.approx(0.25)
    assert rating.score("01", "I1") == pytest.approx(25.0)


def test_i1_of_an_organisation_with_both_platforms_live(rating):
    # 02-a has live vk:02-1 and live ok:02-1 -> I1(02) = 1/1 = 1.0
    assert rating.value("02", "I1") == pytest.approx(1.0)
    # 03-a has only a telegram page -> I1(03) = 0/1 = 0.0
    assert rating.value("03", "I1") == pytest.approx(0.0)


def test_i2_gov_mark_over_live_mandatory_pages(rating):
    # M(02) = {vk:02-1, ok:02-1, ok:02-2}: telegram is not mandatory, vk:02-2 is banned,
    # ok:02-3 has no page_stats row. Marked: vk:02-1, ok:02-1 -> I2 = 2/3; score 66.67
    assert rating.value("02", "I2") == pytest.approx(2 / 3)
    assert rating.score("02", "I2") == pytest.approx(200 / 3)


def test_i3_pos_connected_over_live_mandatory_pages(rating):
    # M(02) as for I2; connected: vk:02-1 only -> I3 = 1/3; score 33.33
    assert rating.value("02", "I3") == pytest.approx(1 / 3)
    assert rating.score("02", "I3") == pytest.approx(100 / 3)


def test_i2_i3_are_zero_without_live_mandatory_pages(rating):
    # M(03) is empty (its only live page is on telegram, marked and connected):
    # a share whose denominator is 0 is 0
    assert rating.indicators()["03", "I2"] == pytest.approx((0.0, 0.0))
    assert rating.indicators()["03", "I3"] == pytest.approx((0.0, 0.0))


def test_i2_counts_every_live_mandatory_page_of_the_region(rating):
    # M(01) = live vk/ok pages: vk:01-a ok:01-a vk:01-b vk:01-d vk:01-e vk:01-f1 vk:01-f2
    # vk:01-g ok:01-g = 9 pages, none marked -> I2 = 0/9 = 0
    assert rating.value("01", "I2") == pytest.approx(0.0)


def test_i4_share_of_organisations_with_qualified_admin(rating):
    # I4(04) = 2 qualified (04-a, 04-c) / 3 organisations = 2/3; score 66.67
    assert rating.value("04", "I4") == pytest.approx(2 / 3)
    assert rating.score("04", "I4") == pytest.approx(200 / 3)
    # nobody qualified in 01 -> 0/8 = 0
    assert rating.value("01", "I4") == pytest.approx(0.0)


def test_block1_is_the_weighted_mean_of_its_scores(rating):
    # 02: I1 100, I2 66.67, I3 33.33, I4 0 -> 0.4*100 + 0.2*200/3 + 0.2*100/3 + 0 = 40 + 20 = 60.0
    assert rating.ranked("02")["block1"] == pytest.approx(60.0)
    # 01: I1 25, I2 0, I3 0, I4 0 -> 0.4*25 = 10.0
    assert rating.ranked("01")["block1"] == pytest.approx(10.0)
