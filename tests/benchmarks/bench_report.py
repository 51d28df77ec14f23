"""Benchmark: the report of a national-scale snapshot (prints figures; asserts nothing).

Reads the newest snapshot of the configured warehouse (GOSPUBLIC_DATA_DIR, or --warehouse), or,
with --build, first publishes a demo month at --scale organisations into a temporary data folder
with the pipeline's functions, as tests/conftest.py's run_month does. Then, each --repeat times: the
HTML alone, the XLSX alone (each with its own read of the snapshot, as `gospublic report`
does) and both as the DAG's report task writes them (`write_published`: one read), with wall
and CPU seconds (time.process_time of this process: DuckDB's threads count too), the size of
the files and the number of «Что исправить» items. Wall times depend on the machine's load:
the load average is printed.

    PYTHONPATH=include:tests .venv/bin/python tests/benchmarks/bench_report.py [--build --scale 150000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def build(scale: int) -> None:
    from gospublic_rating import pipeline
    from gospublic_rating.pipeline import RunSpec

    spec = RunSpec.resolve(period="2026-10", run_after=NOW, dag_run_id="bench-report", source="demo", scale=scale)
    pipeline.run_all(spec)


def timed(label: str, action) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(f"{label:<32} wall {time.perf_counter() - wall:6.2f} s   cpu {time.process_time() - cpu:6.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", help="warehouse file or URL (default: the configured one)")
    parser.add_argument("--build", action="store_true", help="publish a demo month first (temporary folder)")
    parser.add_argument("--scale", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gospublic-bench-report-") as folder:
        if args.build:
            os.environ["GOSPUBLIC_DATA_DIR"] = folder
            os.environ.pop("GOSPUBLIC_WAREHOUSE_URL", None)
            timed(f"publish a demo month ({args.scale})", lambda: build(args.scale))
        measure(args, Path(folder) / "reports")


def measure(args: argparse.Namespace, out: Path) -> None:
    from gospublic_rating import reporting

    for round_ in range(1, args.repeat + 1):
        print(f"round {round_}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        prepared = timed("read snapshot + gains (items)", lambda: reporting.prepare(args.warehouse, None))
        snapshot_id = prepared.report.run.snapshot_id
        timed("html (own read)", lambda: reporting.write(args.warehouse, None, "html", out / "alone"))
        timed("xlsx (own read)", lambda: reporting.write(args.warehouse, None, "xlsx", out / "alone"))
        paths = timed(
            "html + xlsx (write_published)",
            partial(reporting.write_published, args.warehouse, snapshot_id, out / "both"),
        )
    items = prepared.report.fix_items.num_rows
    print(f"snapshot {prepared.report.run.snapshot_id}: {len(prepared.report.regions)} regions, {items} items to fix")
    for path in paths:
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
