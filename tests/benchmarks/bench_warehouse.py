"""Benchmark: publishing a national-scale snapshot (prints figures; asserts nothing).

Builds two demo runs of the same month (seeds differ: two versions) with the pipeline's
functions (validation suites are skipped: publication is measured, not validation), then:
publication into the DuckDB file without and with another process holding a read-only
connection open, the size one snapshot adds to the file, the same publication into a
fresh PostgreSQL database with the size of its snapshot tables, and `gospublic verify` of
a national snapshot (wall seconds, CPU seconds, peak memory of its process) on both back ends.
Wall times depend on the machine's load; CPU seconds (user + system of the publishing
process) less so: both are printed.

    PYTHONPATH=include:tests .venv/bin/python tests/benchmarks/bench_warehouse.py [--scale 150000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from warehouse_backends import fresh_postgres_database

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
HOLD = "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); print(1, flush=True); sys.stdin.read()"


def build(run_id: str, scale: int, seed: int):
    from gospublic_rating import pipeline
    from gospublic_rating.pipeline import RunSpec

    spec = RunSpec.resolve(period="2026-10", run_after=NOW, dag_run_id=run_id, source="demo", scale=scale, seed=seed)
    pipeline.extract_registry(spec)
    for platform in spec.methodology.platforms:
        for batch in pipeline.plan_batches(spec, platform):
            pipeline.extract_batch(spec, platform, batch)
        pipeline.finish_platform(spec, platform)
    for layer in ("staging", "intermediate", "marts"):
        pipeline.build_layer(spec, layer)
    return spec


def publish(spec, where: str) -> str:
    from gospublic_rating import pipeline, warehouse

    started, cpu = time.perf_counter(), time.process_time()
    warehouse.publish(
        where,
        spec.lake,
        period=spec.period,
        source=spec.source,
        dag_run_id=spec.dag_run_id,
        methodology=spec.methodology,
        volume=pipeline.run_volume(spec),
        validations=[],
        expected_regions=89,
    )
    return f"{time.perf_counter() - started:.2f} s ({time.process_time() - cpu:.2f} s CPU)"


def verify(snapshot_id: str, where: str) -> str:
    """`gospublic verify` in a child process: wall seconds, CPU seconds, peak resident memory."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, "-m", "gospublic_rating", "verify", snapshot_id, "--warehouse", where],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    verdict = result.stdout.strip().splitlines()[0] if result.stdout.strip() else result.stderr.strip()[-300:]
    return f"{wall:.1f} s ({cpu:.1f} s CPU), peak {after.ru_maxrss / 1024:.0f} MB (largest child so far): {verdict}"


def newest(where: str) -> str:
    from gospublic_rating import warehouse

    with warehouse.open_reader(where) as reader:
        return max(reader.read("runs").to_pylist(), key=lambda r: r["seq"])["snapshot_id"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=150_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-warehouse-") as folder:
        os.environ["GOSPUBLIC_DATA_DIR"] = folder
        from gospublic_rating.lake import warehouse_path

        started = time.perf_counter()
        runs = [build(f"bench-{seed}", args.scale, seed) for seed in (1, 2, 3)]
        print(f"scale {args.scale}: three demo runs built in {time.perf_counter() - started:.0f} s")
        path = str(warehouse_path())
        first = publish(runs[0], path)
        size_one = Path(path).stat().st_size
        plain = publish(runs[1], path)
        size_two = Path(path).stat().st_size
        reader = subprocess.Popen([sys.executable, "-c", HOLD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        reader.stdout.readline()
        try:
            held = publish(runs[2], path)
        finally:
            reader.kill()
            reader.wait()
        print(f"DuckDB file: first publication {first}; second (copy of 1 snapshot) {plain}")
        print(f"  third, with a reader holding the file open {held}")
        print(f"  file size: 1 snapshot {size_one / 1e6:.1f} MB, 2 snapshots {size_two / 1e6:.1f} MB")
        print(f"  verify of the newest snapshot: {verify(newest(path), path)}")
        with fresh_postgres_database() as url:
            seconds = publish(runs[0], url)
            with psycopg.connect(url) as con:
                size = con.execute(
                    "select sum(pg_total_relation_size(c.oid))::bigint from pg_class c join pg_namespace n "
                    "on n.oid = c.relnamespace where n.nspname = 'snapshot' and c.relkind = 'r'"
                ).fetchone()[0]
            print(f"PostgreSQL: publication {seconds}; snapshot tables {size / 1e6:.1f} MB (with indexes)")
            print(f"  verify: {verify(newest(url), url)}")


if __name__ == "__main__":
    main()
