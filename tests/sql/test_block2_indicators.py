"""Block 2 indicators I5-I8 (docs/methodology.md, "Definitions" and "Indicators"), min_posts = 4.

Per page: posts_p, views_p, interactions_p = likes + comments + reposts,
reach = (views_p / posts_p) / followers, engagement = interactions_p / views_p.
A page is regular with posts_p >= 4, measurable when regular, followers > 0, views_p > 0.
"""

from __future__ import annotations

import pytest

from .builder import build_rating, org, page, post, posts, stats

# Region 01: every kind of page; four measurable pages (an even count).
#
# page          status   foll.  posts x (views, likes, comm., reposts)  posts views inter comm  reach      engagement
# vk:01-1       active    100   4 x (100, 4, 1, 0)                      4    400   20    4    100/100=1  20/400=0.05
# ok:01-1       active     50   4 x (100, 8, 1, 1)                      4    400   40    4    100/50=2   40/400=0.10
# telegram:01-1 active     25   4 x (100, 15, 2, 3)                     4    400   80    8    100/25=4   80/400=0.20
# vk:01-2       active     10   5 x (100, 40, 5, 5)                     5    500  250   25    100/10=10  250/500=0.50
# ok:01-2       active    100   3 x (1000, 0, 3, 0)                     3   3000    9    9    not regular
# vk:01-3       active      0   4 x (75, 0, 0, 0)                       4    300    0    0    regular, followers = 0
# ok:01-3       active    100   4 x (0, 0, 0, 0)                        4      0    0    0    regular, views = 0
# ok:01-4       active    100   no posts                                0      0    0    0    not regular
# vk:01-4       deleted  null   4 x (1000, 100, 100, 0)                 not live
# telegram:01-2 no page_stats   4 x (1000, 0, 50, 0)                    not live
REGION_01 = {
    "organizations": [org("01-a", "01")],
    "pages": [
        page(p, "01-a")
        for p in (
            "vk:01-1",
            "ok:01-1",
            "telegram:01-1",
            "vk:01-2",
            "ok:01-2",
            "vk:01-3",
            "ok:01-3",
            "ok:01-4",
            "vk:01-4",
            "telegram:01-2",
        )
    ],
    "page_stats": [
        stats("vk:01-1", followers=100),
        stats("ok:01-1", followers=50),
        stats("telegram:01-1", followers=25),
        stats("vk:01-2", followers=10),
        stats("ok:01-2", followers=100),
        stats("vk:01-3", followers=0),
        stats("ok:01-3", followers=100),
        stats("ok:01-4", followers=100),
        stats("vk:01-4", status="deleted"),
    ],
    "posts": [
        *posts("vk:01-1", 4, views=100, likes=4, comments=1, reposts=0),
        *posts("ok:01-1", 4, views=100, likes=8, comments=1, reposts=1),
        *posts("telegram:01-1", 4, views=100, likes=15, comments=2, reposts=3),
        *posts("vk:01-2", 5, views=100, likes=40, comments=5, reposts=5),
        *posts("ok:01-2", 3, views=1000, comments=3),
        *posts("vk:01-3", 4, views=75),
        *posts("ok:01-3", 4, views=0),
        *posts("vk:01-4", 4, views=1000, likes=100, comments=100),
        *posts("telegram:01-2", 4, views=1000, comments=50),
    ],
}

# Region 02: three measurable pages (an odd count), posts with unequal views.
#
# page           foll. posts (views, likes, comm., reposts)     posts views inter comm  reach             engagement
# vk:02-1         200  (100|300|200|200 views, 10 likes each)      4   800   40    0  (800/4)/200 = 1   40/800  = 0.05
# ok:02-1         400  4 x (200, 20, 9, 11)                        4   800  160   36  200/400 = 0.5     160/800 = 0.20
# telegram:02-1    10  5 x (40, 4, 0, 0)                           5   200   20    0  (200/5)/10 = 4    20/200  = 0.10
REGION_02 = {
    "organizations": [org("02-a", "02")],
    "pages": [page(p, "02-a") for p in ("vk:02-1", "ok:02-1", "telegram:02-1")],
    "page_stats": [
        stats("vk:02-1", followers=200),
        stats("ok:02-1", followers=400),
        stats("telegram:02-1", followers=10),
    ],
    "posts": [
        post("vk:02-1", "1", views=100, likes=10),
        post("vk:02-1", "2", views=300, likes=10),
        post("vk:02-1", "3", views=200, likes=10),
        post("vk:02-1", "4", views=200, likes=10),
        *posts("ok:02-1", 4, views=200, likes=20, comments=9, reposts=11),
        *posts("telegram:02-1", 5, views=40, likes=4),
    ],
}

# Region 03: live pages, none measurable, some views.
# vk:03-1  active, 100 followers, 3 x 100 views            -> not regular
# ok:03-1  active,   0 followers, 4 x 50 views             -> regular, not measurable
REGION_03 = {
    "organizations": [org("03-a", "03")],
    "pages": [page("vk:03-1", "03-a"), page("ok:03-1", "03-a")],
    "page_stats": [stats("vk:03-1", followers=100), stats("ok:03-1", followers=0)],
    "posts": [*posts("vk:03-1", 3, views=100), *posts("ok:03-1", 4, views=50)],
}

# Region 04: comments but no views on its live page; the deleted page's views don't count.
# vk:04-1  active, 100 followers, 4 x (0 views, 1 like, 2 comments) -> regular, not measurable
# vk:04-2  deleted,               4 x (100 views, 1 comment)         -> not live
REGION_04 = {
    "organizations": [org("04-a", "04")],
    "pages": [page("vk:04-1", "04-a"), page("vk:04-2", "04-a")],
    "page_stats": [stats("vk:04-1", followers=100), stats("vk:04-2", status="deleted")],
    "posts": [*posts("vk:04-1", 4, views=0, likes=1, comments=2), *posts("vk:04-2", 4, views=100, comments=1)],
}


@pytest.fixture(scope="module")
def rating():
    regions = (REGION_01, REGION_02, REGION_03, REGION_04)
    built = build_rating(
        regions=["01", "02", "03", "04"],
        **{table: [row for r in regions for row in r[table]] for table in REGION_01},
    )
    yield built
    built.con.close()


def test_i5_regularity_over_live_pages_of_all_platforms(rating):
    # 01: live pages vk:01-1 ok:01-1 telegram:01-1 vk:01-2 ok:01-2 vk:01-3 ok:01-3 ok:01-4 = 8;
    # regular (>= 4 posts): all but ok:01-2 (3 posts) and ok:01-4 (0 posts) = 6 -> 6/8 = 0.75
    assert rating.indicators()["01", "I5"] == pytest.approx((0.75, 75.0))
    # 02: 3 regular / 3 live = 1.0 (telegram:02-1 counts)
    assert rating.indicators()["02", "I5"] == pytest.approx((1.0, 100.0))
    # 03: ok:03-1 (4 posts) regular, vk:03-1 (3 posts) not -> 1/2 = 0.5
    assert rating.indicators()["03", "I5"] == pytest.approx((0.5, 50.0))
    # 04: vk:04-1 regular; the deleted vk:04-2 is not in A -> 1/1 = 1.0
    assert rating.indicators()["04", "I5"] == pytest.approx((1.0, 100.0))


def test_i6_reach_median_of_an_even_count(rating):
    # 01: measurable reach 1, 2, 4, 10 -> median = (2 + 4)/2 = 3.0 (not the mean 4.25)
    assert rating.value("01", "I6") == pytest.approx(3.0)


def test_i6_reach_median_of_an_odd_count(rating):
    # 02: reach 1.0, 0.5, 4.0 -> sorted 0.5, 1.0, 4.0 -> median 1.0
    assert rating.value("02", "I6") == pytest.approx(1.0)


def test_i7_engagement_median_of_an_even_count(rating):
    # 01: engagement 0.05, 0.10, 0.20, 0.50 -> median = (0.10 + 0.20)/2 = 0.15
    assert rating.value("01", "I7") == pytest.approx(0.15)


def test_i7_engagement_median_of_an_odd_count(rating):
    # 02: engagement 0.05, 0.20, 0.10 -> sorted 0.05, 0.10, 0.20 -> median 0.10
    assert rating.value("02", "I7") == pytest.approx(0.10)


def test_i8_dialogue_over_all_posts_of_live_pages(rating):
    # 01: comments 4 + 4 + 8 + 25 + 9 + 0 + 0 + 0 = 50 over views 400 + 400 + 400 + 500 + 3000
    #     + 300 + 0 + 0 = 5000 (non-regular ok:01-2 counts; deleted vk:01-4 and telegram:01-2
    #     without page_stats don't) -> 1000 * 50 / 5000 = 10.0
    assert rating.value("01", "I8") == pytest.approx(10.0)
    # 02: comments 0 + 36 + 0 = 36 over views 800 + 800 + 200 = 1800 -> 1000 * 36 / 1800 = 20.0
    assert rating.value("02", "I8") == pytest.approx(20.0)
    # 03: comments 0 over views 300 + 200 = 500 -> 0.0 (a value, not null)
    assert rating.value("03", "I8") == pytest.approx(0.0)


def test_no_measurable_page_gives_null_medians_scoring_zero(rating):
    # 03 and 04 have live pages but none measurable -> I6, I7 null, score 0
    for region_code in ("03", "04"):
        for indicator in ("I6", "I7"):
            assert rating.indicators()[region_code, indicator] == (None, 0.0)


def test_i8_is_null_when_there_are_no_views(rating):
    # 04: sum of views over live pages = 0 (8 comments, though) -> null, score 0
    assert rating.indicators()["04", "I8"] == (None, 0.0)


def test_continuous_scores_of_these_regions(rating):
    # I6 non-null: 1.0 (02), 3.0 (01); n = 2 -> q05 = 1 + 0.05*(3-1) = 1.1, q95 = 1 + 0.95*2 = 2.9
    #   01: clip 3.0 -> 2.9 -> 100*(2.9-1.1)/1.8 = 100;  02: clip 1.0 -> 1.1 -> 0
    assert rating.score("01", "I6") == pytest.approx(100.0)
    assert rating.score("02", "I6") == pytest.approx(0.0)
    # I7 non-null: 0.10 (02), 0.15 (01) -> q05 = 0.1025, q95 = 0.1475 -> 01: 100, 02: 0
    assert rating.score("01", "I7") == pytest.approx(100.0)
    assert rating.score("02", "I7") == pytest.approx(0.0)
    # I8 non-null: 0 (03), 10 (01), 20 (02); n = 3
    #   q05: pos 0.05*2 = 0.1 -> 0 + 0.1*(10-0) = 1.0;  q95: pos 0.95*2 = 1.9 -> 10 + 0.9*(20-10) = 19.0
    #   01: 100*(10-1)/(19-1) = 50.0;  02: clip 20 -> 19 -> 100;  03: clip 0 -> 1 -> 0;  04: null -> 0
    assert rating.indicator("01", "I8")["clip_low"] == pytest.approx(1.0)
    assert rating.indicator("01", "I8")["clip_high"] == pytest.approx(19.0)
    assert rating.score("01", "I8") == pytest.approx(50.0)
    assert rating.score("02", "I8") == pytest.approx(100.0)
    assert rating.score("03", "I8") == pytest.approx(0.0)
    assert rating.score("04", "I8") == pytest.approx(0.0)


def test_block2_is_the_weighted_mean_of_its_scores(rating):
    # weights I5 0.30, I6 0.30, I7 0.25, I8 0.15
    # 01: 0.3*75 + 0.3*100 + 0.25*100 + 0.15*50 = 22.5 + 30 + 25 + 7.5 = 85.0
    # 02: 0.3*100 + 0.3*0 + 0.25*0 + 0.15*100 = 30 + 15 = 45.0
    # 03: 0.3*50 + 0 + 0 + 0.15*0 = 15.0
    # 04: 0.3*100 + 0 + 0 + 0 = 30.0
    block2 = {r["region_code"]: r["block2"] for r in rating.ranking()}
    assert block2 == pytest.approx({"01": 85.0, "02": 45.0, "03": 15.0, "04": 30.0})
