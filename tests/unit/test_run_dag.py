"""`run-dag`: its own DAG run's snapshot, readable progress lines, stale runs of killed `make run`s."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse

import duckdb
import pytest
from gospublic_rating import local_airflow
from gospublic_rating.cli.run import progress, run_id_of
from gospublic_rating.lake import warehouse_path
from gospublic_rating.reporting.data import SnapshotNotFound
from gospublic_rating.reporting.text import top

CREATING = (
    "2026-11-30T09:40:08.630264Z [info     ] creating dag run               [airflow.serialization.definitions.dag] "
    "loc=dag.py:615 logical_date=DateTime(2026, 11, 30, 9, 40, 7, 375147, tzinfo=Timezone('UTC')) "
    "partition_key=None run_id=manual__2026-11-30T09:40:08.405989+00:00"
)


def test_the_dag_run_id_is_read_from_the_creating_line():
    assert run_id_of(CREATING) == "manual__2026-11-30T09:40:08.405989+00:00"
    assert run_id_of("2026-11-30T09:40:08Z [info] Created dag run. run_id=other") is None


def test_report_shows_the_snapshot_of_the_given_dag_run_not_the_newest(run_month):
    run_month("run-first")
    run_month("run-second", seed=6)  # other content: identical content would publish nothing new
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        ids = dict(con.execute("select dag_run_id, snapshot_id from snapshot.runs").fetchall())
    assert ids["run-first"] != ids["run-second"]
    assert f"snapshot {ids['run-first']}," in top(warehouse_path(), dag_run_id="run-first")
    assert f"snapshot {ids['run-second']}," in top(warehouse_path(), dag_run_id="run-second")
    with pytest.raises(SnapshotNotFound, match="of DAG run run-third"):
        top(warehouse_path(), dag_run_id="run-third")


def test_progress_lines_drop_noise_and_are_cut_between_words():
    line = (
        "2026-11-30T09:40:15.741293Z [info     ] registry from demo: {'regions': 89, 'organizations': 3000, "
        "'pages': 6015} rows in 0.4 s [gospublic_rating.pipeline] loc=pipeline.py:100"
    )
    assert progress(line) == (
        "09:40:15 registry from demo: {'regions': 89, 'organizations': 3000, 'pages': 6015} rows in 0.4 s"
    )
    long = "2026-11-30T09:40:15.741293Z [info     ] " + " ".join(["validation"] * 30) + " [gospublic_rating.x]"
    shown = progress(long)
    assert len(shown) <= 160 and shown.endswith("validation…")
    assert progress("2026-11-30T09:40:15Z [debug] something of airflow's own [airflow.models]") is None


def test_a_task_failure_shows_its_cause_and_the_retry_delay():
    retry = (
        "2026-11-30T09:45:00.1Z [info     ] Retry policy decision          [task] action=retry "
        "reason='I/O error: OSError: [Errno 28] No space left on device; retrying in 120 s' loc=task_runner.py:1805"
    )
    assert (
        progress(retry)
        == "task will be retried: I/O error: OSError: [Errno 28] No space left on device; retrying in 120 s"
    )
    fail = (
        "2026-11-30T09:45:00.1Z [info     ] Retry policy decision          [task] action=fail "
        "reason=ContractError: pages.parquet, row 3, field platform: 'max' is not one of vk, ok, telegram"
    )
    assert progress(fail).startswith("task failed: ContractError: pages.parquet, row 3, field platform")


def test_runs_whose_make_run_is_gone_are_stale(tmp_path):
    local_airflow.record_active("alive-run", 111)
    local_airflow.record_active("dead-run", 222)
    alive = {111}.__contains__
    assert local_airflow.stale_runs(["alive-run", "dead-run", "unrecorded-run"], alive) == [
        "dead-run",
        "unrecorded-run",
    ]


@pytest.fixture
def airflow_db():
    url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs Airflow's PostgreSQL metadata database (make test)")
    parsed = urlparse(url)
    for var, value in (("PGHOST", parsed.hostname), ("PGPORT", parsed.port), ("PGUSER", parsed.username)):
        if value:
            os.environ.setdefault(var, str(value))
    return parsed.path.lstrip("/")


def test_stale_runs_are_marked_failed_and_live_ones_left_alone(airflow_db):
    tag = uuid.uuid4().hex[:8]
    stale, live = f"test-stale-{tag}", f"test-live-{tag}"
    connection = local_airflow.connect(airflow_db)
    try:
        with connection, connection.cursor() as cursor:
            for run_id in (stale, live):
                cursor.execute(
                    "insert into dag_run (dag_id, run_id, run_type, run_after, state) "
                    "values (%s, %s, 'manual', now(), 'running')",
                    (local_airflow.DAG_ID, run_id),
                )
        local_airflow.record_active(live, os.getpid())
        local_airflow.record_active(stale, 2**22 + 12345)  # beyond pid_max: no such process
        marked = local_airflow.fail_stale_runs(airflow_db)
        assert stale in marked and live not in marked
        with connection, connection.cursor() as cursor:
            cursor.execute("select run_id, state from dag_run where run_id in (%s, %s) order by run_id", (live, stale))
            assert cursor.fetchall() == [(live, "running"), (stale, "failed")]
    finally:
        with connection, connection.cursor() as cursor:
            cursor.execute("delete from dag_run where run_id in (%s, %s)", (stale, live))
        connection.close()


def test_a_run_whose_content_was_already_published_shows_the_snapshot_that_holds_it(run_month):
    from gospublic_rating.cli.run import _published_by

    run_month("run-first")
    run_month("run-again")  # same inputs and methodology: nothing new is published
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        (first,) = con.execute("select snapshot_id from snapshot.runs").fetchall()[0]
    shown = _published_by("run-again")
    assert shown.startswith(f"nothing new was published: identical content is already published as {first}")
    assert f"snapshot {first}," in shown
    with pytest.raises(SnapshotNotFound):
        _published_by("run-that-never-ran")
