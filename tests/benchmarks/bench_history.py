"""Benchmark: a year of history (prints figures; asserts nothing).

Backfills twelve monthly snapshots (2025-11 … 2026-10) of the demo source at --scale
organisations into a temporary data folder, each month as the DAG runs it, step by step in
one process (``pipeline.run_all``: extraction, every validation stage, the models,
publication), in order, as ``airflow backfill create --max-active-runs 1`` runs them. It prints
each month's wall time and what the warehouse file grew by, then times the trend query, "each
region's place over the twelve months" (``snapshot.ranking_history``), read straight from the
warehouse file and through ``gospublic history`` (the report package's reader), best of three.
Wall times depend on the machine's load: the load average is printed.

    PYTHONPATH=include:tests .venv/bin/python tests/benchmarks/bench_history.py [--scale 150000] [--months 12]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

TREND_SQL = (
    "select region_code, list(place order by period) as places from snapshot.ranking_history "
    "where source = 'demo' group by region_code order by region_code"
)


def month(year: int, number: int, back: int) -> str:
    index = year * 12 + number - 1 - back
    return f"{index // 12}-{index % 12 + 1:02d}"


def best_of_three(action) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=150_000)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gospublic-bench-history-") as folder:
        os.environ["GOSPUBLIC_DATA_DIR"] = folder
        os.environ.pop("GOSPUBLIC_WAREHOUSE_URL", None)
        from gospublic_rating import pipeline
        from gospublic_rating.lake import warehouse_path
        from gospublic_rating.pipeline import RunSpec

        periods = [month(2026, 10, back) for back in reversed(range(args.months))]
        load = os.getloadavg()[0]
        print(f"backfill of {len(periods)} months at {args.scale:,} organisations; load average {load:.1f}")
        started, sizes = time.perf_counter(), []
        for period in periods:
            clock = time.perf_counter()
            spec = RunSpec.resolve(
                period=period,
                run_after=datetime(2026, 11, 29, 12, tzinfo=UTC),
                dag_run_id=f"backfill__{period}",
                source="demo",
                scale=args.scale,
            )
            pipeline.run_all(spec)
            sizes.append(warehouse_path().stat().st_size)
            grew = sizes[-1] - (sizes[-2] if len(sizes) > 1 else 0)
            print(f"  {period}  {time.perf_counter() - clock:6.1f} s   warehouse +{grew / 2**20:5.1f} MiB")
        total = time.perf_counter() - started
        print(f"backfill: {total:.0f} s in all, {total / len(periods):.1f} s a month")
        print(
            f"warehouse: {sizes[-1] / 2**20:.1f} MiB for {len(periods)} snapshots, "
            f"{sizes[-1] / len(periods) / 2**20:.1f} MiB a snapshot"
        )
        measure_trend(warehouse_path(), len(periods))


def measure_trend(path: Path, months: int) -> None:
    import duckdb
    from gospublic_rating.reporting import data

    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(TREND_SQL).fetchall()
        assert len(rows) == 89 and all(len(places) == months for _, places in rows), "a region without a full year"
        direct = best_of_three(lambda: con.execute(TREND_SQL).fetchall())
    through = best_of_three(lambda: data.history(None))
    print(f"trend query (each region's place over {months} months): {direct:.3f} s on the warehouse file")
    print(f"`gospublic history` (all regions, through the report package): {through:.3f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
