"""Methodology v2 (docs/methodology.md, "Methodology v2"): MAX counts in I5 and I6, not in I7
and I8; I9 (max_presence) and the v2 block-1 weights. Every expected value is worked out by
hand from the specification, in the comments."""

from __future__ import annotations

import pytest

from .builder import org, page, post, posts, stats


def _v2(build, **tables):
    return build(methodology_version="v2", **tables)


# Region 02 of the v2 worked example: 8 organisations, 5 of them regional authorities (ra1..ra5).
# Block 1 of v1's example: 6 of 8 with live vk and ok (I1 = 0.75), 4 of 8 qualified (I4 = 0.5),
# 12 live mandatory pages, 6 marked (I2 = 0.5), 12 connected (I3 = 1.0).
# MAX: ra1 (two live channels: counted once), ra2, ra3 live; ra4's channel is deleted; ra5 has
# none; lg1, a local government with a live channel, is not a regional authority.
_ORGS = ["ra1", "ra2", "ra3", "ra4", "ra5", "lg1", "lg2", "si1"]
_KINDS = {"lg1": "local_government", "lg2": "local_government", "si1": "subordinate_institution"}
_QUALIFIED = {"ra1", "ra2", "lg1", "si1"}
_PRESENT = ["ra1", "ra2", "ra3", "ra4", "lg1", "lg2"]
_MARKED = {"ra1", "ra2", "ra3"}  # both pages of each: 6 of 12
WORKED_EXAMPLE_V2 = {
    "regions": ["02"],
    "organizations": [
        org(f"02-{o}", "02", qualified=o in _QUALIFIED, org_kind=_KINDS.get(o, "regional_authority")) for o in _ORGS
    ],
    "pages": [
        page(f"{platform}:02-{o}", f"02-{o}", gov_mark=o in _MARKED, pos_connected=True)
        for o in _PRESENT
        for platform in ("vk", "ok")
    ]
    + [
        page("max:02-ra1", "02-ra1"),
        page("max:02-ra1b", "02-ra1"),
        page("max:02-ra2", "02-ra2"),
        page("max:02-ra3", "02-ra3"),
        page("max:02-ra4", "02-ra4"),
        page("max:02-lg1", "02-lg1"),
    ],
    "page_stats": [stats(f"{platform}:02-{o}") for o in _PRESENT for platform in ("vk", "ok")]
    + [stats(p) for p in ("max:02-ra1", "max:02-ra1b", "max:02-ra2", "max:02-ra3", "max:02-lg1")]
    + [stats("max:02-ra4", status="deleted")],
}


def test_worked_example_i9_is_0_6(build):
    rating = _v2(build, **WORKED_EXAMPLE_V2)
    i9 = rating.indicator("02", "I9")
    # 3 regional authorities with a live MAX page / 5 regional authorities
    assert (i9["numerator"], i9["denominator"]) == (3.0, 5.0)
    assert (i9["value"], i9["score"], i9["block"]) == (pytest.approx(0.6), pytest.approx(60.0), 1)


def test_worked_example_block1_is_68_25(build):
    rating = _v2(build, **WORKED_EXAMPLE_V2)
    values = rating.indicators()
    assert [values["02", i][0] for i in ("I1", "I2", "I3", "I4")] == pytest.approx([0.75, 0.5, 1.0, 0.5])
    # 0.35*75 + 0.15*50 + 0.15*100 + 0.15*50 + 0.20*60 = 26.25 + 7.5 + 15 + 7.5 + 12 = 68.25
    assert rating.ranked("02")["block1"] == pytest.approx(68.25)


def test_the_same_registry_under_v1_has_no_i9_and_v1_weights(build):
    v1 = {**WORKED_EXAMPLE_V2}
    v1["pages"] = [p for p in v1["pages"] if not p["page_id"].startswith("max:")]
    v1["page_stats"] = [s for s in v1["page_stats"] if not s["page_id"].startswith("max:")]
    rating = build(**v1)  # the builder's pinned default: v1
    assert sorted(i for _, i in rating.indicators()) == [f"I{n}" for n in range(1, 9)]
    # 0.4*75 + 0.2*50 + 0.2*100 + 0.2*50 = 70.0, the v1 worked example
    assert rating.ranked("02")["block1"] == pytest.approx(70.0)


def test_i9_is_0_without_regional_authorities_and_ignores_other_kinds(build):
    rating = _v2(
        build,
        regions=["05"],
        organizations=[org("05-lg", "05", org_kind="local_government")],
        pages=[page("max:05-lg", "05-lg")],
        page_stats=[stats("max:05-lg")],
    )
    i9 = rating.indicator("05", "I9")
    assert (i9["value"], i9["numerator"], i9["denominator"]) == (0.0, 0.0, 0.0)


# Region 03: one organisation with a live vk page and two live MAX channels (100 followers each).
# vk: 4 posts of 100 views, 5 likes, 2 comments, 3 reposts -> regular, measurable;
#     reach (400/4)/100 = 1.0; engagement 40/400 = 0.1; comments 8, views 400.
# max:03-a: 4 posts of 300 views -> regular, measurable; reach (1200/4)/100 = 3.0. One of its
#     posts arrives with likes, comments and reposts anyway: MAX reports none, so they are dropped.
# max:03-b: 1 post of 50 views -> live, not regular, not measurable.
_MIXED = {
    "regions": ["03"],
    "organizations": [org("03-o", "03")],
    "pages": [page("vk:03-o", "03-o"), page("max:03-a", "03-o"), page("max:03-b", "03-o")],
    "page_stats": [stats("vk:03-o"), stats("max:03-a"), stats("max:03-b")],
    "posts": posts("vk:03-o", 4, views=100, likes=5, comments=2, reposts=3)
    + posts("max:03-a", 3, views=300, likes=None, comments=None, reposts=None)
    + [post("max:03-a", "4", views=300, likes=90, comments=90, reposts=90)]
    + [post("max:03-b", "1", views=50, likes=None, comments=None, reposts=None)],
}


def test_i5_and_i6_count_max_pages(build):
    rating = _v2(build, **_MIXED)
    i5, i6 = rating.indicator("03", "I5"), rating.indicator("03", "I6")
    # I5: vk and max:03-a regular, max:03-b not: 2 / 3 live pages (vk alone would give 1.0)
    assert (i5["numerator"], i5["denominator"]) == (2.0, 3.0)
    # I6: median(1.0, 3.0) = 2.0 over 2 measurable pages (vk alone would give 1.0)
    assert (i6["value"], i6["denominator"]) == (pytest.approx(2.0), 2.0)


def test_i7_and_i8_leave_max_pages_out(build):
    rating = _v2(build, **_MIXED)
    i7, i8 = rating.indicator("03", "I7"), rating.indicator("03", "I8")
    # I7: median over vk only = 0.1 (MAX as zero interactions would give median(0.1, 0) = 0.05;
    # its stray counters would give median(0.1, 270/1200)); one page counted
    assert (i7["value"], i7["denominator"]) == (pytest.approx(0.1), 1.0)
    # I8: 1000 x 8 / 400 = 20 (MAX views counted would give 1000 x 8 / 1650)
    assert (i8["value"], i8["numerator"], i8["denominator"]) == (pytest.approx(20.0), 8.0, 400.0)


def test_max_page_sums_of_interactions_are_null_not_zero(build):
    rating = _v2(build, **_MIXED)
    rows = {
        r["page_id"]: r
        for r in rating.rows(
            "select page_id, views_total, likes_total, comments_total, reposts_total, interactions_total, "
            "engagement_ratio, reach_ratio from int_page_metrics"
        )
    }
    assert rows["max:03-a"]["views_total"] == 1200 and rows["max:03-a"]["reach_ratio"] == pytest.approx(3.0)
    for column in ("likes_total", "comments_total", "reposts_total", "interactions_total", "engagement_ratio"):
        assert rows["max:03-a"][column] is None, column
    assert (rows["vk:03-o"]["likes_total"], rows["vk:03-o"]["interactions_total"]) == (20, 40)


def test_v1_counts_every_platform_in_engagement_and_dialogue(build):
    """v1 lists no interaction platforms: Telegram counts in I7 and I8 as before."""
    rating = build(
        regions=["04"],
        organizations=[org("04-o", "04")],
        pages=[page("vk:04-o", "04-o"), page("telegram:04-o", "04-o")],
        page_stats=[stats("vk:04-o"), stats("telegram:04-o")],
        posts=posts("vk:04-o", 4, views=100, likes=10) + posts("telegram:04-o", 4, views=100, comments=5),
    )
    # I7: median(40/400, 20/400) = 0.075 over 2 pages; I8: 1000 x 20 / 800 = 25
    assert rating.value("04", "I7") == pytest.approx(0.075)
    assert rating.value("04", "I8") == pytest.approx(25.0)
