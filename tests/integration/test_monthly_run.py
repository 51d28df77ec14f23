"""Whole runs of the DAG through Airflow (`airflow dags test`), at a small demo scale.

Needs the Airflow environment that `make test` sets up (AIRFLOW_HOME, metadata database).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import duckdb
import pytest

pytestmark = pytest.mark.integration

SCALE = "3000"
PERIOD = "2026-10"
# Weights of the default (newest) methodology, docs/methodology.md "Methodology v2" (written
# out here, not read from the code).
BLOCK1 = {"I1": 0.35, "I2": 0.15, "I3": 0.15, "I4": 0.15, "I9": 0.20}
BLOCK2 = {"I5": 0.30, "I6": 0.30, "I7": 0.25, "I8": 0.15}


@pytest.fixture(autouse=True)
def airflow_environment():
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        pytest.fail("integration tests need Airflow's environment: run them through `make test`")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gospublic_rating", *args], capture_output=True, text=True, timeout=600
    )


def _warehouse(data_dir):
    return duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)


def _ranking(con, snapshot_id):
    return con.execute(
        "select region_code, block1, block2, total, points, place from snapshot.ranking "
        "where snapshot_id = ? order by region_code",
        [snapshot_id],
    ).fetchall()


def test_demo_run_publishes_a_consistent_snapshot(isolated_data_dir):
    result = _cli("run-dag", "--period", PERIOD, "--scale", SCALE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DEMO DATA" in result.stdout and "Top 10 places, period 2026-10" in result.stdout

    with _warehouse(isolated_data_dir) as con:
        runs = con.execute(
            "select snapshot_id, period, methodology_version, source, is_demo from snapshot.runs"
        ).fetchall()
        assert len(runs) == 1
        snapshot_id, period, version, source, is_demo = runs[0]
        assert (period, version, source, is_demo) == (PERIOD, "v2", "demo", True)
        assert snapshot_id in result.stdout
        reports = sorted(p.name for p in (isolated_data_dir / "reports").iterdir())
        assert reports == [f"{snapshot_id}.html", f"{snapshot_id}.xlsx"], "the report task writes HTML and XLSX"
        ranking = _ranking(con, snapshot_id)
        assert len(ranking) == 89
        indicators = con.execute(
            "select region_code, indicator, value, score from snapshot.indicators where snapshot_id = ?", [snapshot_id]
        ).fetchall()
    assert len(indicators) == 89 * 9
    scores = {(r, i): s for r, i, _, s in indicators}
    for region, block1, block2, total, points, _ in ranking:
        assert block1 == pytest.approx(sum(w * scores[region, i] for i, w in BLOCK1.items()))
        assert block2 == pytest.approx(sum(w * scores[region, i] for i, w in BLOCK2.items()))
        assert total == pytest.approx(0.5 * block1 + 0.5 * block2)
        assert abs(points - total) <= 0.05 + 1e-9
    for _, indicator, value, score in indicators:
        assert 0 <= score <= 100
        if indicator in BLOCK1 or indicator == "I5":
            assert score == pytest.approx(100 * value)
    # Dense places: sorted by points descending, the place rises by one exactly when points fall.
    ordered = sorted(ranking, key=lambda row: -row[4])
    assert ordered[0][5] == 1
    for previous, current in zip(ordered, ordered[1:], strict=False):
        assert current[5] == previous[5] + (1 if current[4] < previous[4] else 0)
    top10 = [row for row in ranking if row[5] <= 10]
    assert str(len(top10)) + " regions at places 1-10" in result.stdout

    # The time per task, read from Airflow's metadata database: every task of the DAG, successful.
    listed = result.stdout.split("time per task:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    times = {line.split()[0]: line.split()[1:] for line in listed}
    assert set(times) == _dag_task_ids()
    for task, (seconds, unit, state, *_) in times.items():
        # the listing's form, not how long anything took
        assert re.fullmatch(r"\d+\.\d", seconds) and unit == "s" and state == "success", (task, listed)

    # The publication's Asset event, as Airflow stored it, carries the snapshot's identity.
    with _warehouse(isolated_data_dir) as con:
        dag_run_id, content_hash = con.execute("select dag_run_id, content_hash from snapshot.runs").fetchall()[0]
    assert _asset_event_extras(dag_run_id) == [
        {
            "snapshot_id": snapshot_id,
            "period": PERIOD,
            "source": "demo",
            "version": 1,
            "is_demo": True,
            "content_hash": content_hash,
        }
    ]


def _dag_task_ids() -> set[str]:
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag

    dags = Path(__file__).resolve().parents[2] / "dags"
    return set(DagBag(dag_folder=str(dags / "gospublic_rating.py")).get_dag("gospublic_rating").task_ids)


def _asset_event_extras(dag_run_id: str) -> list[dict]:
    """The extra of every event of the ranking asset that the DAG run emitted, from Airflow's metadata DB."""
    import json

    import sqlalchemy

    engine = sqlalchemy.create_engine(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        with engine.connect() as con:
            rows = con.execute(
                sqlalchemy.text(
                    "select e.extra from asset_event as e join asset as a on a.id = e.asset_id "
                    "where a.uri = :uri and e.source_dag_id = 'gospublic_rating' and e.source_run_id = :run "
                    "order by e.id"
                ),
                {"uri": "gospublic-rating://warehouse/snapshot/ranking", "run": dag_run_id},
            ).fetchall()
    finally:
        engine.dispose()
    return [extra if isinstance(extra, dict) else json.loads(extra) for (extra,) in rows]


def test_files_source_rates_a_folder_like_the_demo_it_was_written_from(isolated_data_dir, tmp_path):
    folder = tmp_path / "contract-files"
    written = _cli("generate-demo", "--out", str(folder), "--period", PERIOD, "--scale", SCALE, "--seed", "11")
    assert written.returncode == 0, written.stderr
    demo = _cli("run-dag", "--period", PERIOD, "--scale", SCALE, "--seed", "11")
    files = _cli("run-dag", "--period", PERIOD, "--source", "files", "--input-dir", str(folder))
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert files.returncode == 0, files.stdout + files.stderr
    # generate-demo's files are marked synthetic: the files source publishes them as demo
    assert "DEMO DATA — not a real rating. Top 10 places, period 2026-10, methodology v2, source files" in files.stdout

    with _warehouse(isolated_data_dir) as con:
        ids = dict(con.execute("select source, snapshot_id from snapshot.runs").fetchall())
        assert _ranking(con, ids["files"]) == _ranking(con, ids["demo"])


def test_a_run_that_fails_publishes_nothing(isolated_data_dir, tmp_path):
    result = _cli("run-dag", "--source", "files", "--input-dir", str(tmp_path / "empty"), "--period", PERIOD)
    assert result.returncode == 1
    assert "nothing was published" in result.stderr
    assert not (isolated_data_dir / "warehouse.duckdb").exists()


def test_bad_input_stops_the_dag_at_raw_validation(isolated_data_dir, tmp_path):
    """Through Airflow: duplicate posts in the input folder stop the run; nothing is published."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "contract-files"
    assert _cli("generate-demo", "--out", str(folder), "--period", PERIOD, "--scale", "500").returncode == 0
    posts = pq.read_table(folder / "posts.parquet")
    pq.write_table(pa.concat_tables([posts, posts.slice(0, 3)]), folder / "posts.parquet")

    result = _cli("run-dag", "--period", PERIOD, "--source", "files", "--input-dir", str(folder))
    assert result.returncode == 1
    assert "nothing was published" in result.stderr
    assert "suite raw.posts" in result.stderr and "expect_compound_columns_to_be_unique" in result.stderr
    assert not (isolated_data_dir / "warehouse.duckdb").exists()
