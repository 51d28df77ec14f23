"""Benchmark figures (``make bench SCALE=n``): prints and records what it measured; asserts nothing.

1. Demo generation at the given scale (in a child process: its own peak memory).
2. The SQL models, staging to ranking, in one in-memory DuckDB over the raw Parquet files,
   against a plain DuckDB query of the same methodology (tests/benchmarks/plain_ranking.sql)
   in the same process: best of three each, the ratio, and a check that both rank alike.
3. Each step of a run as its DAG task runs it (build a layer, validate a stage), each in a
   fresh child process: wall time, peak resident memory, rows per second.
4. Unless --skip-dag: a whole ``make run`` (Airflow ``dags test`` and the report), wall time
   and the peak resident memory of the whole process tree.

Memory is sampled every 20 ms (RSS of the process and its children). The figures, the
machine's load average and the settings go to ``data/bench/bench-<scale>-<time>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from . import models, settings
from .lake import PROJECT_ROOT, RunLake, data_dir
from .methodology import load as load_methodology
from .period import Period
from .sources.demo import DemoSource

BENCH_PERIOD = Period(2026, 10)
PLAIN_SQL = PROJECT_ROOT / "tests" / "benchmarks" / "plain_ranking.sql"


class PeakMemory:
    """Samples the resident memory of a process and its children every 20 ms, in a thread."""

    def __init__(self, process: psutil.Process):
        self.process = process
        self.baseline = self.peak = self._rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> int:
        total = 0
        with contextlib.suppress(psutil.Error):
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


def run_and_sample(command: list[str], cwd: Path | None = None) -> tuple[int, float, int, str]:
    """Run ``command``; return exit code, wall seconds, peak tree RSS in bytes and its output."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with PeakMemory(psutil.Process(child.pid)) as memory:
        output, _ = child.communicate()
    return child.returncode, time.perf_counter() - started, memory.peak, output


def task_seconds(output: str) -> dict[str, float]:
    """The "time per task" that `make run` prints (cli/run.py), as {task: seconds}."""
    if "time per task:\n" not in output:
        return {}
    figures = {}
    for line in output.split("time per task:\n", 1)[1].splitlines():
        fields = line.split()
        if not fields:
            break  # the listing ends at a blank line
        if len(fields) >= 3 and fields[2] == "s":  # "-": the task did not run
            figures[fields[0]] = float(fields[1])
    return figures


def _step(name: str, work: str, scale: int) -> dict:
    """One step of a run, as its task runs it (in a child process); returns seconds and rows.

    The data folder is ``work``: no warehouse there, so no previous period bounds the volume.
    """
    os.environ["GOSPUBLIC_DATA_DIR"] = work
    lake = RunLake(Path(work) / "run")
    methodology = load_methodology()
    started = time.perf_counter()
    if name == "generate":
        source = DemoSource(scale=scale, platforms=methodology.platforms)
        source.extract_registry(lake, BENCH_PERIOD)
        rows = sum(source.extract_platform(lake, BENCH_PERIOD, p)["posts"] for p in methodology.platforms)
    elif name.startswith("build_"):
        models.run_layer(lake, name.removeprefix("build_"), methodology, BENCH_PERIOD)
        rows = None
    else:
        from . import validation

        validation.start_gx()
        gx_seconds = time.perf_counter() - started
        stages = validation.STAGES if name == "validate_all" else [name.removeprefix("validate_")]
        outcomes = [
            o for stage in stages for o in validation.validate_stage(lake, stage, methodology, BENCH_PERIOD, "demo")
        ]
        rows = sum(o.rows for o in outcomes)
        return {"seconds": time.perf_counter() - started, "rows": rows, "gx_import_seconds": gx_seconds}
    return {"seconds": time.perf_counter() - started, "rows": rows}


def _child(connection, *args) -> None:
    connection.send(_step(*args))


def _in_child(name: str, work: Path, scale: int) -> dict:
    """Run step ``name`` in a fresh process; add its peak memory (whole process, imports included)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, name, str(work), scale))
    child.start()
    with PeakMemory(psutil.Process(child.pid)) as memory:
        figures = receiver.recv() if receiver.poll(None) else None
        child.join()
    if child.exitcode != 0 or figures is None:
        raise RuntimeError(f"benchmark step {name} failed (exit code {child.exitcode})")
    return {**figures, "peak_rss_bytes": memory.peak}


def compare_models(lake: RunLake, repeats: int = 3, version: str | None = None) -> dict:
    """The models (staging to ranking) and the plain query, best of ``repeats`` each, same process
    (methodology ``version``, default the newest)."""
    methodology = load_methodology(version) if version else load_methodology()
    params = models.sql_parameters(methodology, BENCH_PERIOD)
    plain_sql = PLAIN_SQL.read_text(encoding="utf-8")
    best_models = best_plain = float("inf")
    per_model: dict[str, float] = {}
    same = True
    for _ in range(repeats):
        with models.connect() as con:
            models.attach_raw(con, lake)
            started = time.perf_counter()
            seconds = models.build(con, models.LAYERS, methodology, BENCH_PERIOD)
            wall = time.perf_counter() - started
            if wall < best_models:
                best_models, per_model = wall, seconds
            ranked = con.execute("select region_code, points, place from ranking order by all").fetchall()
        with models.connect() as con:
            models.attach_raw(con, lake)
            models.install_methodology(con, methodology)
            started = time.perf_counter()
            plain = models.execute(con, plain_sql, params).fetchall()
            best_plain = min(best_plain, time.perf_counter() - started)
        same = same and sorted(plain) == ranked
    return {
        "models_seconds": best_models,
        "plain_seconds": best_plain,
        "ratio": best_models / best_plain,
        "same_ranking": same,
        "per_model_seconds": per_model,
    }


def _line(name: str, figures: dict) -> str:
    text = f"  {name:<24}{figures['seconds']:7.2f} s  peak {figures['peak_rss_bytes'] / 2**30:5.2f} GiB"
    if figures.get("rows"):
        text += f"  {figures['rows']:>12,} rows  {figures['rows'] / figures['seconds']:>12,.0f} rows/s"
    return text


def main(args: argparse.Namespace) -> int:
    record: dict = {
        "scale": args.scale,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_before": os.getloadavg(),
        "cpus": os.cpu_count(),
        "duckdb_memory_limit": settings.duckdb_memory_limit(),
        "duckdb_threads": settings.duckdb_threads(),
        "steps": {},
    }
    print(f"benchmark at {args.scale:,} organisations; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    work = data_dir() / "tmp" / f"bench-{os.getpid()}"
    try:
        lake = RunLake(work / "run")
        steps = record["steps"]
        steps["generate"] = _in_child("generate", work, args.scale)
        posts = steps["generate"]["rows"]
        print(_line("demo generation", steps["generate"]))

        comparison = compare_models(lake)
        record["models_vs_plain"] = comparison
        print(
            f"SQL models staging -> ranking {comparison['models_seconds']:.2f} s, plain DuckDB query of the same "
            f"methodology {comparison['plain_seconds']:.2f} s (same process, best of 3): ratio "
            f"{comparison['ratio']:.2f} (goal <= 1.3); same ranking: {comparison['same_ranking']}"
        )
        for model, secs in comparison["per_model_seconds"].items():
            print(f"    {model:<24}{secs:6.3f} s")

        print("steps as the DAG's tasks run them, each in a fresh process:")
        for name in ["validate_raw", *(f"{kind}_{layer}" for layer in models.LAYERS for kind in ("build", "validate"))]:
            steps[name] = _in_child(name, work, args.scale)
            if steps[name]["rows"] is None:
                steps[name]["rows"] = posts
            print(_line(name, steps[name]))
        tasks = sum(v["seconds"] for k, v in steps.items() if k.startswith("validate_"))
        imports = sum(v["gx_import_seconds"] for k, v in steps.items() if k.startswith("validate_"))
        print(f"  the four validate tasks: {tasks:.1f} s, of which {imports:.1f} s is importing GX (once per task)")
        steps["validate_all"] = _in_child("validate_all", work, args.scale)
        print(_line("validate_all", steps["validate_all"]))
        print(
            f"  all four validation stages in one process: {steps['validate_all']['seconds']:.1f} s, of which "
            f"{steps['validate_all']['gx_import_seconds']:.1f} s is importing GX (goal <= 5 s at national scale)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if not args.skip_dag:
        command = ["make", "--no-print-directory", "run", f"PERIOD={BENCH_PERIOD}", f"SCALE={args.scale}"]
        code, wall, peak, output = run_and_sample(command, cwd=PROJECT_ROOT)
        tasks = task_seconds(output)
        record["make_run"] = {"seconds": wall, "peak_rss_bytes": peak, "exit_code": code, "task_seconds": tasks}
        print(
            f"`make run` (Airflow metadata check, preflight, DAG run, report): {wall:.1f} s wall, peak memory of "
            f"the process tree {peak / 2**30:.2f} GiB, exit code {code}; time per task:"
        )
        for task, seconds in tasks.items():
            print(f"    {task:<24}{seconds:6.1f} s")
        validation = sum(seconds for task, seconds in tasks.items() if task.startswith("validate_"))
        print(f"  the four validate tasks of the run (GX imported once, by the first): {validation:.1f} s")
    record["load_average_after"] = os.getloadavg()
    out = data_dir() / "bench" / f"bench-{args.scale}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(f"figures written to {out}")
    return 0
