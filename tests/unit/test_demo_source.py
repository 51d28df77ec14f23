"""The demo source: deterministic, realistic, in the contract."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from gospublic_rating.contract import ORG_KINDS, PAGE_STATUSES, SCHEMAS
from gospublic_rating.lake import write_parquet
from gospublic_rating.period import Period
from gospublic_rating.reference import load_regions
from gospublic_rating.sources.demo import PLATFORMS, generate_platform, generate_registry

SCALE = 4000
OCTOBER = Period(2026, 10)


@pytest.fixture(scope="module")
def registry():
    return generate_registry(SCALE, seed=7)


@pytest.fixture(scope="module")
def month(registry):
    return {p: generate_platform(registry, p, OCTOBER, seed=7) for p in PLATFORMS}


def test_reference_regions_are_the_89_federal_subjects():
    regions = load_regions()
    codes = regions.column("region_code").to_pylist()
    assert len(codes) == len(set(codes)) == 89
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert {"01", "59", "77", "78", "92", "95"} <= set(codes)
    names = dict(zip(codes, regions.column("region_name").to_pylist(), strict=True))
    assert names["59"] == "Пермский край" and names["77"] == "Москва"
    assert len(set(regions.column("federal_district").to_pylist())) == 8


def test_tables_follow_the_contract(registry, month):
    for name, table in registry.items():
        assert table.schema == SCHEMAS[name]
    for tables in month.values():
        for name, table in tables.items():
            assert table.schema == SCHEMAS[name]


def test_same_seed_and_period_give_identical_data(registry, month):
    again = generate_registry(SCALE, seed=7)
    for name in registry:
        assert again[name].equals(registry[name])
    for platform in PLATFORMS:
        repeat = generate_platform(again, platform, OCTOBER, seed=7)
        assert repeat["posts"].equals(month[platform]["posts"])
        assert repeat["page_stats"].equals(month[platform]["page_stats"])


def test_another_seed_or_month_gives_other_data(registry, month):
    assert not generate_registry(SCALE, seed=8)["pages"].equals(registry["pages"])
    november = generate_platform(registry, "vk", Period(2026, 11), seed=7)
    assert not november["posts"].equals(month["vk"]["posts"])


def test_keys_are_unique_and_references_resolve(registry, month):
    orgs, pages = registry["organizations"], registry["pages"]
    assert orgs.num_rows == SCALE
    assert pc.count_distinct(orgs.column("org_id")).as_py() == SCALE
    assert pc.count_distinct(pages.column("page_id")).as_py() == pages.num_rows
    assert pc.all(pc.is_in(orgs.column("region_code"), value_set=load_regions().column("region_code"))).as_py()
    assert pc.all(pc.is_in(pages.column("org_id"), value_set=orgs.column("org_id"))).as_py()
    assert set(orgs.column("org_kind").to_pylist()) == set(ORG_KINDS)
    for tables in month.values():
        posts = tables["posts"]
        keys = pc.binary_join_element_wise(posts.column("page_id"), posts.column("post_id"), "|")
        assert pc.count_distinct(keys).as_py() == posts.num_rows


def test_posts_fall_inside_the_period(month):
    for tables in month.values():
        published = tables["posts"].column("published_at")
        assert pc.min(published).as_py() >= OCTOBER.start_utc
        assert pc.max(published).as_py() < OCTOBER.end_utc


def test_realistic_variety(registry, month):
    pages = registry["pages"]
    all_stats = [t["page_stats"] for t in month.values()]
    statuses = set().union(*(set(s.column("status").to_pylist()) for s in all_stats))
    assert statuses == set(PAGE_STATUSES), "dead, banned, private and missing pages must occur"
    covered = sum(s.num_rows for s in all_stats)
    assert 0.99 <= covered / pages.num_rows < 1.0, "a few pages lack page_stats, coverage stays >= 99 %"
    active_followers = np.concatenate(
        [s.filter(pc.equal(s.column("status"), "active")).column("followers").to_numpy() for s in all_stats]
    )
    assert (active_followers == 0).any(), "some live pages have no followers"

    posts_per_page = {}
    for tables in month.values():
        counts = tables["posts"].group_by("page_id").aggregate([("post_id", "count")])
        posts_per_page.update(
            zip(counts.column("page_id").to_pylist(), counts.column("post_id_count").to_pylist(), strict=True)
        )
    active_ids = set().union(
        *(set(s.filter(pc.equal(s.column("status"), "active")).column("page_id").to_pylist()) for s in all_stats)
    )
    assert active_ids - set(posts_per_page), "some live pages publish nothing"
    values = np.array(list(posts_per_page.values()))
    assert values.max() > 8 * np.median(values), "posts per page must be heavy-tailed"

    org_platforms = pages.group_by("org_id").aggregate([("platform", "count")])
    assert set(org_platforms.column("platform_count").to_pylist()) >= {1, 2, 3}
    orgs_with_pages = org_platforms.num_rows
    assert orgs_with_pages < registry["organizations"].num_rows, "some organisations have no page at all"


def test_regions_differ(registry):
    orgs = registry["organizations"]
    by_region = orgs.group_by("region_code").aggregate([("admin_qualified", "mean"), ("org_id", "count")])
    shares = np.array(by_region.column("admin_qualified_mean").to_pylist())
    sizes = np.array(by_region.column("org_id_count").to_pylist())
    assert shares.max() - shares.min() > 0.25, "regions must differ in compliance"
    assert sizes.max() > 5 * sizes.min(), "regions must differ in size"


def test_posts_are_generated_in_batches_of_pages_with_the_same_pages_and_counts(registry, monkeypatch, tmp_path):
    from gospublic_rating.lake import RunLake
    from gospublic_rating.sources import demo

    whole = generate_platform(registry, "vk", OCTOBER, seed=7)
    sizes = []
    real_posts = demo._posts
    monkeypatch.setattr(demo, "_posts", lambda pages, *a: sizes.append(len(pages["counts"])) or real_posts(pages, *a))
    monkeypatch.setattr(demo, "PAGES_PER_BATCH", 100)
    lake = RunLake(tmp_path / "run")
    for name, table in registry.items():
        write_parquet(table, lake.raw_table(name))
    counts = demo.DemoSource(scale=SCALE, seed=7).extract_platform(lake, OCTOBER, "vk")
    pages = whole["page_stats"].num_rows  # vk pages with statistics; the batches cover every vk page
    assert max(sizes) == 100 and len(sizes) > 2 and sum(sizes) >= pages
    batched = pq.read_table(lake.raw_table("posts", "vk"))
    assert counts == {"page_stats": pages, "posts": whole["posts"].num_rows} and batched.num_rows == counts["posts"]
    assert pq.read_table(lake.raw_table("page_stats", "vk")).equals(whole["page_stats"])
    per_page = pc.value_counts(whole["posts"].column("page_id")).to_pylist()
    assert sorted(map(str, pc.value_counts(batched.column("page_id")).to_pylist())) == sorted(map(str, per_page))
    assert len(pq.ParquetFile(lake.raw_table("posts", "vk")).schema_arrow) == len(whole["posts"].schema)


# --- MAX (methodology v2) ----------------------------------------------------------------

V1_PLATFORMS = ("vk", "ok", "telegram")


def _ipc_sha256(*tables) -> str:
    import hashlib

    import pyarrow as pa

    digest = hashlib.sha256()
    for table in tables:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.combine_chunks())
        digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def test_v1_demo_data_is_what_it_was_before_max():
    """The registry and month of a v1 run (scale 400, seed 5, 2026-10), byte for byte as the
    demo source made them before MAX was added (digest taken on the commit before it)."""
    registry = generate_registry(400, 5, V1_PLATFORMS)
    tables = [registry["organizations"], registry["pages"]]
    for platform in V1_PLATFORMS:
        month = generate_platform(registry, platform, OCTOBER, 5)
        tables += [month["page_stats"], month["posts"]]
    assert _ipc_sha256(*tables) == "1ab3d92fef7c6d8912692a2dcfaf8b0c5de9e6dbb4a9687f70b52283003ac1e7"


def test_max_is_added_without_changing_the_other_platforms(registry, month):
    v1 = generate_registry(SCALE, seed=7, platforms=V1_PLATFORMS)
    pages = registry["pages"]
    assert pages.filter(pc.not_equal(pages.column("platform"), "max")).equals(v1["pages"])
    assert registry["organizations"].equals(v1["organizations"])
    assert set(v1["pages"].column("platform").to_pylist()) == set(V1_PLATFORMS)
    for platform in V1_PLATFORMS:
        assert generate_platform(v1, platform, OCTOBER, seed=7)["posts"].equals(month[platform]["posts"])


def test_max_channels_mostly_of_regional_authorities(registry):
    orgs = registry["organizations"]
    kinds = dict(zip(orgs.column("org_id").to_pylist(), orgs.column("org_kind").to_pylist(), strict=True))
    pages = registry["pages"].filter(pc.equal(registry["pages"].column("platform"), "max"))
    with_max = set(pages.column("org_id").to_pylist())
    share = {}
    for kind in ORG_KINDS:
        of_kind = [o for o, k in kinds.items() if k == kind]
        share[kind] = sum(1 for o in of_kind if o in with_max) / len(of_kind)
    assert share["regional_authority"] > 0.6
    assert share["regional_authority"] > share["local_government"] > share["subordinate_institution"] > 0
    assert share["local_government"] < 0.25
    assert all(p.startswith("max:mx") for p in pages.column("page_id").to_pylist())


def test_max_posts_report_views_only(month):
    posts = month["max"]["posts"]
    assert posts.num_rows > 0
    assert posts.column("views").null_count == 0 and pc.sum(posts.column("views")).as_py() > 0
    for column in ("likes", "comments", "reposts"):
        assert posts.column(column).null_count == posts.num_rows
    for platform in V1_PLATFORMS:
        assert month[platform]["posts"].column("likes").null_count == 0
    statuses = set(month["max"]["page_stats"].column("status").to_pylist())
    assert "active" in statuses and len(statuses) > 1  # some channels are not live: I9 counts only live ones


def test_an_unknown_platform_is_refused():
    from gospublic_rating.errors import SettingsError

    with pytest.raises(SettingsError, match="no pages on rutube"):
        generate_registry(10, seed=1, platforms=("vk", "rutube"))
