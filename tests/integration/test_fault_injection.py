"""Fault injection: bad data of each kind is stopped at the stage where it first shows,
by the suite and expectation meant for it, and nothing is published.

Runs the DAG's steps in order without Airflow (the `run_month` fixture); one test at the
end goes through Airflow itself.
"""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from gospublic_rating.lake import RunLake, warehouse_path, write_parquet
from gospublic_rating.period import Period
from gospublic_rating.validation import ValidationFailed


def _edit(path, change):
    write_parquet(change(pq.read_table(path)), path)


def _set(table: pa.Table, column: str, row: int, value, type_=None) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.schema.get_field_index(column)
    return table.set_column(index, column, pa.array(values, type_ or table.schema.field(column).type))


def _raw(spec, table, platform=None):
    return spec.lake.raw_table(table, platform)


def duplicate_posts(spec):
    _edit(_raw(spec, "posts", "vk"), lambda t: pa.concat_tables([t, t.slice(3, 2)]))


def negative_views(spec):
    _edit(_raw(spec, "posts", "ok"), lambda t: _set(t, "views", 7, -5))


def post_outside_the_period(spec):
    after = Period.parse(spec.period).end_utc + timedelta(hours=1)
    _edit(_raw(spec, "posts", "telegram"), lambda t: _set(t, "published_at", 0, after))


def page_of_an_unknown_organisation(spec):
    _edit(_raw(spec, "pages"), lambda t: _set(t, "org_id", 10, "1999000000001"))


def organisation_of_an_unknown_region(spec):
    _edit(_raw(spec, "organizations"), lambda t: _set(t, "region_code", 4, "99"))


def missing_column(spec):
    for platform in spec.methodology.platforms:
        _edit(_raw(spec, "posts", platform), lambda t: t.drop(["likes"]))


def wrong_type(spec):
    for platform in spec.methodology.platforms:
        _edit(
            _raw(spec, "page_stats", platform),
            lambda t: t.set_column(
                t.schema.get_field_index("followers"), "followers", pc.cast(t.column("followers"), pa.string())
            ),
        )


def platform_without_data(spec):
    for table in ("page_stats", "posts"):
        path = _raw(spec, table, "telegram")
        _edit(path, lambda t: t.slice(0, 0))


def coverage_below_99_percent(spec):
    for platform in spec.methodology.platforms:
        _edit(_raw(spec, "page_stats", platform), lambda t: t.filter(pa.array(np.arange(t.num_rows) % 20 != 0)))


def duplicate_page_stats(spec):
    _edit(_raw(spec, "page_stats", "vk"), lambda t: pa.concat_tables([t, t.slice(0, 1)]))


def share_above_one(spec):
    path = spec.lake.layer("intermediate") / "int_region_indicators.parquet"

    def change(table):
        row = table.column("indicator").to_pylist().index("I2")
        return _set(table, "value", row, 1.2)

    _edit(path, change)


def region_missing_from_the_ranking(spec):
    _edit(spec.lake.layer("marts") / "ranking.parquet", lambda t: t.slice(1))


def places_with_a_gap(spec):
    def change(table):
        worst = int(pc.max(table.column("place")).as_py())
        row = table.column("place").to_pylist().index(worst)
        return _set(table, "place", row, worst + 2)

    _edit(spec.lake.layer("marts") / "ranking.parquet", change)


def post_of_a_page_not_in_the_registry(spec):
    _edit(_raw(spec, "posts", "vk"), lambda t: _set(t, "page_id", 2, "vk:999999999999"))


def post_on_another_platform_than_its_page(spec):
    _edit(_raw(spec, "posts", "vk"), lambda t: _set(t, "platform", 2, "ok"))


def page_stats_on_another_platform_than_its_page(spec):
    _edit(_raw(spec, "page_stats", "ok"), lambda t: _set(t, "platform", 1, "vk"))


def region_name_not_of_the_reference_list(spec):
    _edit(_raw(spec, "regions"), lambda t: _set(t, "region_name", 0, "'); drop table snapshot.runs; --"))


def federal_district_not_of_the_reference_list(spec):
    _edit(_raw(spec, "regions"), lambda t: _set(t, "federal_district", 5, "Центральный "))


def page_id_with_a_trailing_newline(spec):
    def change(table):
        row = table.column("platform").to_pylist().index("ok")
        table = _set(table, "page_id", row, table.column("page_id")[row].as_py() + "\n")
        return _set(table, "platform_page_id", row, table.column("platform_page_id")[row].as_py() + "\n")

    _edit(_raw(spec, "pages"), change)


def followers_near_2_to_the_63(spec):
    _edit(_raw(spec, "page_stats", "vk"), lambda t: _set(t, "followers", 0, 2**63 - 1))


def two_posts_with_views_near_2_to_the_63(spec):
    def change(table):
        first = table.column("page_id")[0].as_py()
        rows = [i for i, page in enumerate(table.column("page_id").to_pylist()) if page == first][:2]
        for row in rows:
            table = _set(table, "views", row, 2**63 - 1)
        return table

    _edit(_raw(spec, "posts", "telegram"), change)


def a_delivered_post_the_metrics_did_not_count(spec):
    # raw posts gain a post after the page metrics were built: delivered, never counted
    _edit(_raw(spec, "posts", "ok"), lambda t: pa.concat_tables([t, _set(t.slice(0, 1), "post_id", 0, "uncounted")]))


FAULTS = [
    # (fault, stage it is injected at, suite that must stop it, words of the failed expectation)
    (duplicate_posts, "raw", "raw.posts", "expect_compound_columns_to_be_unique"),
    (negative_views, "raw", "raw.posts", "smallest_counter"),
    (post_outside_the_period, "raw", "raw.posts", "published_at"),
    (page_of_an_unknown_organisation, "raw", "raw.pages", "org_region_code"),
    (organisation_of_an_unknown_region, "raw", "raw.organizations", "region_code"),
    (missing_column, "raw", "raw.columns", "type_matches"),
    (wrong_type, "raw", "raw.columns", "type_matches"),
    (platform_without_data, "raw", "raw.platform_volumes", "page_stats_count"),
    (coverage_below_99_percent, "raw", "raw.run_volume", "page_stats_coverage"),
    (duplicate_page_stats, "raw", "raw.page_stats", "expect_compound_columns_to_be_unique"),
    (post_of_a_page_not_in_the_registry, "raw", "raw.posts", "page_in_registry"),
    (post_on_another_platform_than_its_page, "raw", "raw.posts", "platform_matches_page"),
    (page_stats_on_another_platform_than_its_page, "raw", "raw.page_stats", "platform_matches_page"),
    (region_name_not_of_the_reference_list, "raw", "raw.regions", "matches_reference"),
    (federal_district_not_of_the_reference_list, "raw", "raw.regions", "matches_reference"),
    (page_id_with_a_trailing_newline, "raw", "raw.pages", "platform_page_id_well_formed"),
    (followers_near_2_to_the_63, "raw", "raw.page_stats", "column='followers'"),
    (two_posts_with_views_near_2_to_the_63, "raw", "raw.posts", "counters_plausible"),
    (a_delivered_post_the_metrics_did_not_count, "intermediate", "intermediate.posts_counted", "raw_posts_count"),
    (share_above_one, "intermediate", "intermediate.int_region_indicators", "column='I2'"),
    (region_missing_from_the_ranking, "marts", "marts.ranking", "expect_table_row_count_to_equal"),
    (places_with_a_gap, "marts", "marts.ranking_places", "max_place"),
]


def _published_runs() -> int:
    if not warehouse_path().exists():
        return 0
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return con.execute("select count(*) from snapshot.runs").fetchall()[0][0]


@pytest.mark.parametrize(("fault", "stage", "suite", "expectation"), FAULTS, ids=[f[0].__name__ for f in FAULTS])
def test_bad_data_is_stopped_at_its_stage_and_nothing_is_published(run_month, fault, stage, suite, expectation):
    with pytest.raises(ValidationFailed) as failure:
        run_month("faulty", tamper={stage: fault})
    message = str(failure.value)
    assert message.startswith(f"validation stage {stage} failed")
    assert f"suite {suite}" in message
    failed_part = message.split(f"suite {suite}", 1)[1]
    assert expectation in failed_part
    assert _published_runs() == 0


def test_failure_names_example_rows(run_month):
    with pytest.raises(ValidationFailed) as failure:
        run_month("faulty", tamper={"raw": negative_views})
    message = str(failure.value)
    assert "1 unexpected" in message
    assert "views=-5" in message and "page_id=ok:" in message


def test_an_expectation_that_raised_counts_as_failed(run_month):
    # Followers delivered as text: the type check fails, and the range check on the same
    # column raises inside GX; both are reported, and the raised one counts as failed.
    with pytest.raises(ValidationFailed) as failure:
        run_month("faulty", tamper={"raw": wrong_type})
    message = str(failure.value)
    assert "suite raw.page_stats" in message
    assert "expect_column_values_to_be_between(column='followers'" in message
    assert "raised an exception (counted as failed)" in message


def test_a_sudden_drop_in_volume_is_stopped_and_the_previous_snapshot_stays(run_month):
    run_month("september", period="2026-09")
    assert _published_runs() == 1

    def lose_most_posts(spec):
        for platform in spec.methodology.platforms:
            _edit(_raw(spec, "posts", platform), lambda t: t.slice(0, t.num_rows // 4))

    with pytest.raises(
        ValidationFailed, match=r"suite raw\.run_volume:\s+- expect_column_values_to_be_between\(column='posts_count'"
    ):
        run_month("october", period="2026-10", tamper={"raw": lose_most_posts})
    assert _published_runs() == 1


def pages_silently_not_found(spec):
    """A fifth of the OK pages come back not_found (as names sent where ids are expected did)."""

    def change(table):
        lost = pa.array(np.arange(table.num_rows) % 5 == 0)
        status = pc.if_else(lost, pa.scalar("not_found"), table.column("status"))
        followers = pc.if_else(lost, pa.scalar(None, table.schema.field("followers").type), table.column("followers"))
        table = table.set_column(table.schema.get_field_index("status"), "status", status)
        return table.set_column(table.schema.get_field_index("followers"), "followers", followers)

    _edit(_raw(spec, "page_stats", "ok"), change)


def test_a_rise_of_pages_not_found_is_stopped_against_the_previous_period(run_month):
    run_month("september", period="2026-09")
    with pytest.raises(ValidationFailed) as failure:
        run_month("october", period="2026-10", tamper={"raw": pages_silently_not_found})
    message = str(failure.value)
    assert "suite raw.page_status" in message
    failed_part = message.split("suite raw.page_status", 1)[1]
    assert "expect_column_pair_values_a_to_be_greater_than_b" in failed_part and "platform=ok" in failed_part
    assert "platform=vk" not in failed_part  # the other platforms are within their bounds
    assert _published_runs() == 1


def test_pages_not_found_are_not_bounded_without_a_previous_period(run_month):
    run_month("october", period="2026-10", tamper={"raw": pages_silently_not_found})
    assert _published_runs() == 1


def test_volume_within_bounds_of_the_previous_period_passes(run_month):
    run_month("september", period="2026-09")
    run_month("october", period="2026-10")
    assert _published_runs() == 2


def test_publication_requires_every_stage_to_have_passed(run_month):
    from gospublic_rating import pipeline
    from gospublic_rating.pipeline import PublicationRefused

    spec = run_month("unaudited", publish=False)
    (spec.lake.layer("evidence") / "validation" / "marts.json").unlink()
    with pytest.raises(PublicationRefused, match="validation stage.s. marts did not pass"):
        pipeline.publish_snapshot(spec)
    assert _published_runs() == 0


def test_evidence_is_kept_and_the_snapshot_records_the_suites_it_passed(run_month):
    spec = run_month("audited")
    evidence = spec.lake.layer("evidence")
    for stage in ("raw", "staging", "intermediate", "marts"):
        assert (evidence / "validation" / f"{stage}.json").exists()
    page = (evidence / "validation" / "index.html").read_text(encoding="utf-8")
    assert not (evidence / "data_docs").exists(), "no GX Data Docs sites any more"
    for stage in ("raw", "staging", "intermediate", "marts"):
        assert f'id="{stage}"' in page
    assert "expect_column_values_to_not_be_null" in page and "<script" not in page and "http" not in page
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        rows = con.execute(
            "select stage, suite, success, evaluated_expectations from snapshot.validations order by all"
        ).fetchall()
    stages = {row[0] for row in rows}
    assert stages == {"raw", "staging", "intermediate", "marts"}
    assert all(row[2] for row in rows) and all(row[3] > 0 for row in rows)
    assert {"raw.posts", "marts.ranking", "intermediate.int_region_indicators"} <= {row[1] for row in rows}


def test_row_level_suites_are_counted_by_duckdb_and_gx_checks_the_example_rows(run_month):
    with pytest.raises(ValidationFailed) as failure:
        run_month("faulty", tamper={"raw": negative_views})
    posts = sum(pq.read_metadata(p).num_rows for p in (spec_lake("faulty") / "raw" / "posts").glob("*.parquet"))
    message = str(failure.value)
    assert f"1 unexpected of {posts:,} rows" in message, "the count is over every post, not over the examples"
    record = json.loads((spec_lake("faulty") / "evidence" / "validation" / "raw" / "raw.posts.json").read_text())
    assert record["success"] is False and record["meta"]["pushdown"]["rows"] == posts
    broken = [r for r in record["results"] if not r["success"]]
    assert [r["expectation_config"]["kwargs"]["column"] for r in broken] == ["smallest_counter"]
    assert broken[0]["result"]["unexpected_count"] == 1
    assert record["statistics"]["unsuccessful_expectations"] == 1
    example = broken[0]["result"]["partial_unexpected_index_list"][0]
    assert example["views"] == -5 and example["page_id"].startswith("ok:")
    assert _published_runs() == 0
    page = RunLake.for_run("2026-10", "faulty").layer("evidence") / "validation" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert "НЕ ПРОЙДЕНО" in text and "1 неожиданных" in text and "&quot;views&quot;: -5" in text


def test_a_passing_pushed_down_suite_keeps_gx_results_with_counts_over_every_row(run_month):
    spec = run_month("clean")
    record = json.loads((spec.lake.layer("evidence") / "validation" / "raw" / "raw.posts.json").read_text())
    posts = record["meta"]["pushdown"]["rows"]
    assert posts > 1000 and record["meta"]["pushdown"]["example_rows"] == 0
    from gospublic_rating.validation import EXPECTATIONS_DIR

    suite = json.loads((EXPECTATIONS_DIR / "raw" / "posts.json").read_text(encoding="utf-8"))
    assert record["success"] is True and len(record["results"]) == len(suite["expectations"]) == 10
    assert all(r["success"] and r["result"]["unexpected_count"] == 0 for r in record["results"])
    assert all(r["result"]["element_count"] == posts for r in record["results"])


def spec_lake(run_id: str):
    from gospublic_rating.lake import RunLake

    return RunLake.for_run("2026-10", run_id).root
