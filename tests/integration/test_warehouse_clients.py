"""Clients of the warehouse: readers never block publication, DuckDB 1.x opens the file,
PostgreSQL refuses every change, and a publisher killed at any moment leaves a whole state."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import psycopg
import pytest
from gospublic_rating import pipeline, warehouse
from gospublic_rating.lake import PROJECT_ROOT, warehouse_path
from warehouse_backends import fresh_postgres_database

OLD_DUCKDB = "1.1.3"
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = lambda: con.execute("select count(*) from snapshot.runs").fetchall()[0][0]
print(count(), flush=True)
sys.stdin.readline()
print(count(), flush=True)
"""
PUBLISHER = """
import json, sys
from gospublic_rating import pipeline
from gospublic_rating.pipeline import RunSpec
spec = RunSpec.from_dict(json.loads(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
pipeline.publish_snapshot(spec)
print("done", flush=True)
"""


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "include")}


@pytest.fixture
def built_run(run_month):
    return lambda run_id, scale=200: run_month(run_id, scale=scale, publish=False)


def test_a_reader_holding_the_file_open_does_not_block_publication(built_run):
    pipeline.publish_snapshot(built_run("run-a"))
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse_path())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        second = pipeline.publish_snapshot(built_run("run-b", scale=600))
        assert not second["already_published"]
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # its old view, uninterrupted
    finally:
        reader.kill()
        reader.wait()
    with warehouse.open_reader() as fresh:  # a new connection sees the new snapshot
        assert fresh.read("runs").num_rows == 2


def _old_duckdb() -> Path:
    """A virtual environment with DuckDB 1.x, cached across runs."""
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"gospublic-duckdb-{OLD_DUCKDB}"
    python = folder / "bin" / "python"
    probe = [str(python), "-c", f"import duckdb; assert duckdb.__version__ == '{OLD_DUCKDB}'"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    shutil.rmtree(folder, ignore_errors=True)
    venv.create(folder, with_pip=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"duckdb=={OLD_DUCKDB}"], check=True)
    return python


def test_duckdb_1_x_reads_the_ranking(built_run):
    pipeline.publish_snapshot(built_run("run-a"))
    script = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.execute('select count(*), min(place) from snapshot.latest_ranking').fetchall())"
    )
    out = subprocess.run([str(_old_duckdb()), "-c", script, str(warehouse_path())], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{OLD_DUCKDB} [(89, 1)]"


def test_postgres_refuses_changes_for_everyone_and_lets_the_auditor_read(built_run, monkeypatch):
    with fresh_postgres_database() as url:
        monkeypatch.setenv("GOSPUBLIC_WAREHOUSE_URL", url)
        pipeline.publish_snapshot(built_run("run-a"))
        changes = [
            "update snapshot.ranking set points = 0",
            "delete from snapshot.ranking",
            "truncate snapshot.ranking",
            "delete from snapshot.runs",
        ]
        for role in (None, "gospublic_auditor"):
            for change in changes:
                with psycopg.connect(url) as con:
                    if role:
                        con.execute(f"set role {role}")
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        con.execute(change)
        with psycopg.connect(url) as con:
            con.execute("set role gospublic_auditor")
            assert con.execute("select count(*) from snapshot.ranking").fetchone()[0] == 89
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute("insert into snapshot.runs (snapshot_id) values ('x')")
        assert warehouse.verify_hashes() == []


def test_a_publisher_killed_at_any_moment_leaves_a_whole_state(built_run, isolated_data_dir):
    pipeline.publish_snapshot(built_run("run-a"))
    spec = built_run("run-b", scale=600)
    base = isolated_data_dir / "base.duckdb"
    shutil.copyfile(warehouse_path(), base)
    rng = random.Random(8)
    outcomes = {"before": 0, "after": 0}
    # random moments; the last try is not killed, so a complete publication is checked too
    delays = [rng.uniform(0.0, 1.5) for _ in range(24)] + [None]
    for delay in delays:
        shutil.copyfile(base, warehouse_path())
        publisher = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, json.dumps(spec.to_dict())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        try:
            assert publisher.stdout.readline().strip() == "ready"
            publisher.stdin.write("go\n")
            publisher.stdin.flush()
            try:  # a random moment of the publication (a whole one takes about a second here)
                publisher.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                publisher.kill()
        finally:
            publisher.kill()
            publisher.wait()
        with warehouse.open_reader() as reader:
            runs = reader.read("runs").num_rows
            assert runs in (1, 2)
            if runs == 2:
                sid = max(reader.read("runs").to_pylist(), key=lambda r: r["seq"])["snapshot_id"]
                assert reader.read("ranking", sid).num_rows == 89
        assert warehouse.verify_hashes() == []
        outcomes["after" if runs == 2 else "before"] += 1
    assert outcomes["after"] >= 1, outcomes
