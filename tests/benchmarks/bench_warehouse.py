"""Benchmark: publishing a national-scale snapshot (prints figures; asserts nothing).

Builds two demo runs of the same month (seeds differ: two versions) with the pipeline's
functions (validation suites are skipped: publication is measured, not validation), then:
publication into the DuckDB file without and with another process holding a read-only
connection open, the size one snapshot adds to the file, and the same publication into a
fresh PostgreSQL database with the size of its snapshot tables.

    PYTHONPATH=include:tests .venv/bin/python tests/benchmarks/bench_warehouse.py [--scale 150000]
"""

from __future__ import annotations

import argparse
import os
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


def publish(spec, where: str) -> float:
    from gospublic_rating import pipeline, warehouse

    started = time.perf_counter()
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
    return time.perf_counter() - started


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
        print(f"DuckDB file: first publication {first:.2f} s; second (copy of 1 snapshot) {plain:.2f} s; ")
        print(f"  third, with a reader holding the file open {held:.2f} s")
        print(f"  file size: 1 snapshot {size_one / 1e6:.1f} MB, 2 snapshots {size_two / 1e6:.1f} MB")
        with fresh_postgres_database() as url:
            seconds = publish(runs[0], url)
            with psycopg.connect(url) as con:
                size = con.execute(
                    "select sum(pg_total_relation_size(c.oid))::bigint from pg_class c join pg_namespace n "
                    "on n.oid = c.relnamespace where n.nspname = 'snapshot' and c.relkind = 'r'"
                ).fetchone()[0]
            print(f"PostgreSQL: publication {seconds:.2f} s; snapshot tables {size / 1e6:.1f} MB (with indexes)")


if __name__ == "__main__":
    main()
