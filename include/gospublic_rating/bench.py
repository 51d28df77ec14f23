"""Benchmark figures (``make bench``): prints what it measured; asserts nothing.

1. Demo generation at the given scale.
2. The SQL models, staging to ranking, in one in-memory DuckDB over the raw Parquet files
   (best of three, and per model).
3. A whole ``make run`` (Airflow ``dags test`` of the DAG and the report), wall time and the
   peak resident memory of the whole process tree, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil

from . import models
from .lake import PROJECT_ROOT, RunLake
from .methodology import load as load_methodology
from .period import Period
from .sources.demo import DemoSource

BENCH_PERIOD = Period(2026, 10)


class PeakMemory:
    """Samples the resident memory of a process and its children every 20 ms, in a thread."""

    def __init__(self, process: psutil.Process):
        self.process = process
        self.baseline = self.peak = self._rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> int:
        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


def run_and_sample(command: list[str], cwd: Path | None = None) -> tuple[int, float, int]:
    """Run ``command``; return exit code, wall seconds and peak tree RSS in bytes."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with PeakMemory(psutil.Process(child.pid)) as memory:
        code = child.wait()
    return code, time.perf_counter() - started, memory.peak


def _validate_all(lake_root: str, data_dir: str) -> dict:
    """Run every validation stage on a built lake; time it and sample this process's memory."""
    import os

    os.environ["GOSPUBLIC_DATA_DIR"] = data_dir  # no warehouse there: no previous period
    from . import validation

    stages, outcomes = {}, []
    with PeakMemory(psutil.Process()) as memory:
        started = time.perf_counter()
        validation.start_gx()
        gx_start = time.perf_counter() - started
        for stage in validation.STAGES:
            clock = time.perf_counter()
            lake = RunLake(Path(lake_root))
            outcomes += validation.validate_stage(lake, stage, load_methodology(), BENCH_PERIOD, "demo")
            stages[stage] = time.perf_counter() - clock
        total = time.perf_counter() - started
    return {
        "total": total,
        "gx_start": gx_start,
        "stages": stages,
        "suites": len(outcomes),
        "expectations": sum(o.evaluated for o in outcomes),
        "extra": memory.peak - memory.baseline,
    }


def main(args: argparse.Namespace) -> int:
    methodology = load_methodology()
    with tempfile.TemporaryDirectory(prefix="gospublic-bench-") as tmp:
        lake = RunLake(Path(tmp) / "run")
        source = DemoSource(scale=args.scale, platforms=methodology.platforms)
        started = time.perf_counter()
        source.extract_registry(lake, BENCH_PERIOD)
        posts = sum(source.extract_platform(lake, BENCH_PERIOD, p)["posts"] for p in methodology.platforms)
        print(f"demo generation, {args.scale:,} organisations, {posts:,} posts: {time.perf_counter() - started:.2f} s")

        best, per_model = None, {}
        for _ in range(3):
            with models.connect() as con:
                models.attach_raw(con, lake)
                started = time.perf_counter()
                seconds = models.build(con, models.LAYERS, methodology, BENCH_PERIOD)
                wall = time.perf_counter() - started
            if best is None or wall < best:
                best, per_model = wall, seconds
        print(
            f"SQL models staging -> ranking (in-memory DuckDB over raw Parquet), best of 3: {best:.2f} s "
            f"(goal <= 1.5 s)"
        )
        for model, secs in per_model.items():
            print(f"  {model:<24}{secs:6.3f} s")

        for layer in models.LAYERS:
            models.run_layer(lake, layer, methodology, BENCH_PERIOD)
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            figures = pool.apply(_validate_all, (str(lake.root), tmp))
        print(
            f"validation, all four stages ({figures['suites']} suite runs, {figures['expectations']} expectations), "
            f"in a fresh process: {figures['total']:.1f} s wall, of which {figures['gx_start']:.1f} s is importing "
            f"and starting GX (goal <= 10 s); extra memory {figures['extra'] / 2**30:.2f} GiB (goal <= 1 GiB)"
        )
        for stage, secs in figures["stages"].items():
            print(f"  {stage:<24}{secs:6.2f} s")

    if not args.skip_dag:
        command = ["make", "--no-print-directory", "run", f"PERIOD={BENCH_PERIOD}", f"SCALE={args.scale}"]
        code, wall, peak = run_and_sample(command, cwd=PROJECT_ROOT)
        print(
            f"`make run` after installation (Airflow metadata check, preflight, DAG run, report): {wall:.1f} s wall "
            f"(goal <= 120 s), peak memory of the process tree {peak / 2**30:.2f} GiB (goal <= 2 GiB), "
            f"exit code {code}"
        )
    return 0
