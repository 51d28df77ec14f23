"""Whole runs (the DAG's steps without Airflow) under each methodology: a run chooses its
methodology, the snapshot records which, and v2 publishes MAX and nine indicators per region."""

from __future__ import annotations

import pytest
from gospublic_rating import warehouse
from gospublic_rating.methodology import MethodologyError
from warehouse_backends import backend  # noqa: F401  (fixture)

# docs/methodology.md, "Methodology v2" (written out here, not read from the code).
V2_BLOCK1 = {"I1": 0.35, "I2": 0.15, "I3": 0.15, "I4": 0.15, "I9": 0.20}
V2_BLOCK2 = {"I5": 0.30, "I6": 0.30, "I7": 0.25, "I8": 0.15}


def _read(table, snapshot_id):
    with warehouse.open_reader() as reader:
        return reader.read(table, snapshot_id).to_pylist()


def test_a_v2_demo_run_publishes_nine_indicators_per_region_and_max(run_month):
    from gospublic_rating import pipeline

    spec = run_month("run-v2", scale=3000, publish=False, methodology="v2")
    sid = pipeline.publish_snapshot(spec)["snapshot_id"]
    (run,) = _read("runs", sid)
    assert run["methodology_version"] == "v2" and 'version = "v2"' in run["methodology_toml"]
    definitions = {r["indicator"]: r["weight"] for r in _read("indicator_definitions", sid)}
    assert definitions == {**V2_BLOCK1, **V2_BLOCK2}
    indicators = _read("indicators", sid)
    assert len(indicators) == 89 * 9
    scores = {(r["region_code"], r["indicator"]): r["score"] for r in indicators}
    i9 = [r for r in indicators if r["indicator"] == "I9"]
    assert all(r["score"] == pytest.approx(100 * r["value"]) for r in i9)
    assert any(0 < r["value"] < 1 for r in i9)  # regions with some of their authorities in MAX
    assert any(r["value"] == 0 and r["denominator"] == 0 for r in i9)  # a region without authorities at this scale
    for row in _read("ranking", sid):
        code = row["region_code"]
        assert row["block1"] == pytest.approx(sum(w * scores[code, i] for i, w in V2_BLOCK1.items()))
        assert row["block2"] == pytest.approx(sum(w * scores[code, i] for i, w in V2_BLOCK2.items()))
    max_pages = [r for r in _read("page_metrics", sid) if r["platform"] == "max"]
    assert max_pages and all(r["url"] == "https://max.ru/" + r["platform_page_id"] for r in max_pages)
    assert all(r["likes_total"] is None and r["engagement_ratio"] is None for r in max_pages)
    assert any(r["is_measurable"] and r["reach_ratio"] > 0 for r in max_pages)


def test_a_v1_run_rates_v1_data_only(run_month):
    from gospublic_rating import pipeline

    spec = run_month("run-v1", scale=400, publish=False, methodology="v1")
    sid = pipeline.publish_snapshot(spec)["snapshot_id"]
    (run,) = _read("runs", sid)
    assert run["methodology_version"] == "v1"
    assert len(_read("indicators", sid)) == 89 * 8
    assert {r["platform"] for r in _read("page_metrics", sid)} == {"vk", "ok", "telegram"}
    assert not spec.lake.raw_table("posts", "max").exists()
    # the DAG's max tasks do nothing under v1
    assert pipeline.plan_batches(spec, "max") == [0]
    assert pipeline.extract_batch(spec, "max", 0) == {"batch": 0, "skipped": 1}
    assert pipeline.finish_platform(spec, "max") == {}


def test_a_run_without_a_methodology_uses_the_newest(run_month):
    spec = run_month("run-default", scale=300, publish=False)
    assert spec.methodology_version == "v2"


def test_an_unknown_methodology_stops_the_run_before_anything_is_written(isolated_data_dir):
    from conftest import NOW
    from gospublic_rating.pipeline import RunSpec

    with pytest.raises(MethodologyError, match="no methodology 'v7'.*available: v1, v2"):
        RunSpec.resolve(period="2026-10", run_after=NOW, dag_run_id="r", methodology="v7")
    assert not (isolated_data_dir / "lake").exists()
