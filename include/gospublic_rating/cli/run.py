"""Running the monthly DAG locally: preflight, run-dag (`airflow dags test` with progress), airflow-setup."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ..lake import data_dir, run_key
from .common import fail, optional_int

DAG_ID = "gospublic_rating"


def run_options(p: argparse.ArgumentParser) -> None:
    """The options of a run, shared by preflight and run-dag (and the Makefile's variables)."""
    p.add_argument("--period", default="", help="month to rate, YYYY-MM (default: the last complete month)")
    p.add_argument("--source", default="demo", choices=["demo", "files", "live"], help="input source (default demo)")
    p.add_argument("--input-dir", default="", help="for --source files: folder of the five contract Parquet files")
    p.add_argument("--registry-dir", default="", help="for --source live: folder of the regions' registry files")
    p.add_argument("--scale", type=optional_int, default=None, help="for demo: organisations (default 150000)")
    p.add_argument("--seed", type=optional_int, default=None, help="for demo: random seed")
    p.add_argument(
        "--methodology", default="", help="methodology version, e.g. v1 (default: the newest, methodologies/)"
    )


def register(sub) -> None:
    p = sub.add_parser("preflight", help="check period, source and input files before a run")
    run_options(p)
    p.set_defaults(func=cmd_preflight)

    p = sub.add_parser("run-dag", help="run the DAG once through Airflow and print the top 10")
    run_options(p)
    p.set_defaults(func=cmd_run_dag)

    p = sub.add_parser(
        "airflow-setup", help="prepare Airflow's local metadata database (create, migrate, pools, stale runs)"
    )
    p.add_argument("name", help="PostgreSQL database name")
    p.set_defaults(func=cmd_airflow_setup)


def cmd_preflight(args: argparse.Namespace) -> int:
    """Check the run's settings before Airflow starts, so mistakes surface in one line."""
    from ..errors import NotRetryable, SettingsError
    from ..pipeline import RunSpec
    from ..sources.files import check_input

    try:
        spec = RunSpec.resolve(
            period=args.period or None,
            run_after=datetime.now(UTC),
            dag_run_id="preflight",
            source=args.source,
            scale=args.scale,
            input_dir=args.input_dir or None,
            registry_dir=args.registry_dir or None,
            methodology=args.methodology or None,
        )
        if args.source == "files":
            check_input(Path(args.input_dir))
        if args.source == "live" and not Path(args.registry_dir).is_dir():
            raise SettingsError(f"{args.registry_dir}: registry folder does not exist")
    except NotRetryable as error:
        return fail(str(error))
    period = spec.period
    print(
        f"rating period {period}, source {args.source}"
        + (f" ({args.input_dir})" if args.input_dir else "")
        + f", methodology {spec.methodology_version}"
    )
    return 0


def cmd_run_dag(args: argparse.Namespace) -> int:
    """Run the DAG once through Airflow (`airflow dags test`), then print the top 10 of ITS snapshot."""
    from ..local_airflow import active_dir, record_active
    from ..reporting.data import SnapshotNotFound

    conf = {
        "period": args.period or None,
        "source": args.source,
        "input_dir": str(Path(args.input_dir).resolve()) if args.input_dir else None,
        "registry_dir": str(Path(args.registry_dir).resolve()) if args.registry_dir else None,
        "scale": args.scale,
        "seed": args.seed,
        "methodology": args.methodology or None,
    }
    airflow = Path(sys.executable).with_name("airflow")
    started = datetime.now(UTC)
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"dags-test-{started:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    print(f"running DAG {DAG_ID} with {json.dumps(conf, ensure_ascii=False)}; full log: {log_path}", flush=True)
    clock = time.perf_counter()
    dag_run_id = None
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [str(airflow), "dags", "test", DAG_ID, "-c", json.dumps(conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            for line in process.stdout:
                log.write(line)
                if dag_run_id is None and (dag_run_id := run_id_of(line)):
                    record_active(dag_run_id, process.pid)
                    print(f"  DAG run {dag_run_id}", flush=True)
                shown = progress(line)
                if shown:
                    print("  " + shown, flush=True)
            code = process.wait()
        finally:
            if dag_run_id:
                (active_dir() / f"{run_key(dag_run_id)}.pid").unlink(missing_ok=True)
    print(f"DAG run finished in {time.perf_counter() - clock:.1f} s (exit code {code})")
    if dag_run_id is None:
        print(f"the DAG run did not start; see the log: {log_path}", file=sys.stderr)
        return 1
    _print_task_times(dag_run_id)
    try:
        text = _published_by(dag_run_id)
    except SnapshotNotFound:
        print(f"nothing was published by this run ({dag_run_id}); see the log: {log_path}", file=sys.stderr)
        for line in _errors(log_path):
            print("  " + line, file=sys.stderr)
        return 1
    print()
    print(text)
    return 0 if code == 0 else 1


def _print_task_times(dag_run_id: str) -> None:
    """Time per task of the run, from Airflow's metadata database (a run still prints its top without it)."""
    from ..local_airflow import task_times

    try:
        rows = task_times(dag_run_id)
    except Exception as error:  # noqa: BLE001 - the figures are a courtesy; the run's result is not
        print(f"time per task unavailable: {type(error).__name__}: {' '.join(str(error).split())[:200]}")
        return
    print("time per task:")
    for task, states, instances, seconds in rows:
        shown = "      -" if seconds is None else f"{seconds:7.1f} s"
        mapped = f", {instances} instances" if instances > 1 else ""
        print(f"  {task:<28}{shown}  {states}{mapped}")


def _published_by(dag_run_id: str) -> str:
    """The top places of the snapshot DAG run ``dag_run_id`` published, or of the one that already held
    identical content (the run then published nothing new, and says which)."""
    from ..pipeline import publication_record
    from ..reporting.data import SnapshotNotFound
    from ..reporting.text import top

    try:
        return top(None, dag_run_id=dag_run_id)
    except SnapshotNotFound:
        record = publication_record(dag_run_id)
        if not (record and record.get("published") and record.get("snapshot_id")):
            raise
        return f"nothing new was published: {record['reason']}\n\n" + top(None, record["snapshot_id"])


_RUN_ID_RE = re.compile(r"creating dag run\b.*\brun_id=(\S+)")
_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)\.\d+Z \[\s*(\w+)\s*\] ")
_FIELD_RE = re.compile(r"\s(loc|ti_id|map_index)=\S+")
_OWN_LOGGER_RE = re.compile(r"\s+\[gospublic_rating(\.[\w.]+)?\]")
_REASON_RE = re.compile(r"\baction=(\w+)\s+reason=(.*)$")
PROGRESS_WIDTH = 160


def run_id_of(line: str) -> str | None:
    """The DAG run id from `airflow dags test`'s "creating dag run" line."""
    match = _RUN_ID_RE.search(line)
    return match.group(1).strip("'\"") if match else None


def progress(line: str) -> str | None:
    """The line to show on the console for a line of the `dags test` log, if any (one line, no noise)."""
    text = _FIELD_RE.sub("", line.strip())
    if "Retry policy decision" in text:
        match = _REASON_RE.search(text)
        if not match:
            return None
        action, reason = match.group(1), match.group(2).strip().strip("'\"")
        return _shorten(("task will be retried: " if action == "retry" else "task failed: ") + reason)
    if not any(marker in text for marker in ("[gospublic_rating.", "Task failed", "DagRun Finished")):
        return None
    stamp = _TIME_RE.match(text)
    if stamp:
        text = f"{stamp.group(1)} {text[stamp.end() :]}"
    text = _OWN_LOGGER_RE.sub("", text)
    return _shorten(" ".join(text.split()))


def _shorten(text: str, width: int = PROGRESS_WIDTH) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters (marked with …)."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip() + "…"


def _errors(log_path: Path) -> list[str]:
    """Why the run failed: every distinct exception of the project with its message (one per failing
    task, e.g. each platform whose extraction failed), else the log's error lines."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    starts = [
        i for i, line in enumerate(lines) if re.match(r"^[\w.]+(Error|Failed|Refused|Exception|Exhausted): ", line)
    ]
    if starts:
        blocks: dict[str, None] = {}
        for first in starts:
            last = first + 1
            while last < len(lines) and lines[last].startswith(" "):
                last += 1
            blocks.setdefault("\n".join(lines[first:last]))
        return [line for block in blocks for line in block.splitlines()]
    return [line.strip() for line in lines if "error" in line.lower()][-8:]


def cmd_airflow_setup(args: argparse.Namespace) -> int:
    """Airflow's metadata database ready for a local run: created, migrated and pools set when needed;
    runs left `running` by a killed `make run` marked failed."""
    from ..local_airflow import AirflowSetupError, fail_stale_runs, prepare

    log = Path(os.environ.get("AIRFLOW_HOME", ".")) / "db-setup.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        for done in prepare(args.name, log):
            print(done)
        for dag_run_id in fail_stale_runs(args.name):
            print(f"marked DAG run {dag_run_id} failed: its `make run` was stopped before it finished")
    except AirflowSetupError as error:
        return fail(str(error))
    return 0
