"""Publication: atomic, idempotent per run, never touching earlier snapshots, and refused
when the publication rule is not met."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from gospublic_rating import pipeline
from gospublic_rating.lake import warehouse_path, write_parquet
from gospublic_rating.pipeline import PublicationRefused
from gospublic_rating.warehouse import PublicationError


@pytest.fixture
def built_run(run_month):
    """A run validated and ready to publish."""
    return lambda run_id, scale=400: run_month(run_id, scale=scale, publish=False, methodology="v1")


def _snapshot_rows(snapshot_id: str) -> dict[str, list]:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return {
            table: con.execute(
                f"select * from snapshot.{table} where snapshot_id = ? order by all", [snapshot_id]
            ).fetchall()
            for table in ("runs", "indicators", "ranking", "page_metrics")
        }


def _count(table: str) -> int:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return con.execute(f"select count(*) from snapshot.{table}").fetchone()[0]


def test_publish_fills_the_three_snapshot_tables(built_run):
    spec = built_run("run-a")
    published = pipeline.publish_snapshot(spec)
    rows = _snapshot_rows(published["snapshot_id"])
    assert len(rows["runs"]) == 1
    assert len(rows["ranking"]) == 89
    assert len(rows["indicators"]) == 89 * 8
    pages = pq.read_table(spec.lake.layer("intermediate") / "int_page_metrics.parquet")
    assert len(rows["page_metrics"]) == pages.num_rows
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        run = con.execute(
            "select period, methodology_version, source, is_demo, dag_run_id from snapshot.runs"
        ).fetchone()
    assert run == ("2026-10", "v1", "demo", True, "run-a")
    assert "-demo-" in published["snapshot_id"]


def test_a_retried_publish_does_not_publish_twice(built_run):
    spec = built_run("run-a")
    first = pipeline.publish_snapshot(spec)
    second = pipeline.publish_snapshot(spec)
    assert first["snapshot_id"] == second["snapshot_id"]
    assert _count("runs") == 1 and _count("ranking") == 89


def test_a_new_run_adds_a_snapshot_and_leaves_the_old_one_untouched(built_run):
    first = pipeline.publish_snapshot(built_run("run-a"))
    before = _snapshot_rows(first["snapshot_id"])
    second = pipeline.publish_snapshot(built_run("run-b", scale=600))
    assert second["snapshot_id"] != first["snapshot_id"]
    assert _snapshot_rows(first["snapshot_id"]) == before
    assert _count("runs") == 2 and _count("ranking") == 2 * 89


def test_a_failure_during_publication_leaves_nothing_behind(built_run):
    first = pipeline.publish_snapshot(built_run("run-a"))
    before = _snapshot_rows(first["snapshot_id"])
    spec = built_run("run-b")
    ranking = spec.lake.layer("marts") / "ranking.parquet"
    write_parquet(pq.read_table(ranking).slice(0, 88), ranking)  # one region lost
    with pytest.raises(PublicationError, match="88 ranked regions"):
        pipeline.publish_snapshot(spec)
    assert _count("runs") == 1 and _count("ranking") == 89 and _count("indicators") == 89 * 8
    assert _snapshot_rows(first["snapshot_id"]) == before


def test_low_page_stats_coverage_refuses_publication(built_run):
    spec = built_run("run-a")
    for platform in spec.methodology.platforms:
        path = spec.lake.raw_table("page_stats", platform)
        table = pq.read_table(path)
        keep = np.arange(table.num_rows) % 20 != 0  # drop every 20th row: 5 % of the pages
        write_parquet(table.filter(pa.array(keep)), path)
    with pytest.raises(PublicationRefused, match=r"coverage 9\d\.\d\d% is below 99%"):
        pipeline.publish_snapshot(spec)
    assert not warehouse_path().exists() or _count("runs") == 0
    evidence = (spec.lake.layer("evidence") / "publication.json").read_text(encoding="utf-8")
    assert '"published": false' in evidence


def test_a_warehouse_of_another_layout_is_a_clear_error(built_run):
    from gospublic_rating.warehouse import WarehouseSchemaError

    warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse_path())) as con:
        con.execute("create schema snapshot; create table snapshot.runs (snapshot_id varchar, period varchar)")
    with pytest.raises(WarehouseSchemaError, match="snapshot table.s. runs have another layout"):
        pipeline.publish_snapshot(built_run("run-a"))
