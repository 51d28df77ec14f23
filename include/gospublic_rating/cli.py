"""Command line of gospublic-rating (``python -m gospublic_rating --help``)."""

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

from .lake import data_dir, warehouse_path

DAG_ID = "gospublic_rating"


def _optional_int(text: str) -> int | None:
    return int(text) if str(text).strip() else None


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def cmd_preflight(args: argparse.Namespace) -> int:
    """Check the run's settings before Airflow starts, so mistakes surface in one line."""
    from .errors import NotRetryable, SettingsError
    from .pipeline import RunSpec
    from .sources.files import check_input

    try:
        spec = RunSpec.resolve(
            period=args.period or None,
            run_after=datetime.now(UTC),
            dag_run_id="preflight",
            source=args.source,
            scale=args.scale,
            input_dir=args.input_dir or None,
            registry_dir=args.registry_dir or None,
        )
        if args.source == "files":
            check_input(Path(args.input_dir))
        if args.source == "live" and not Path(args.registry_dir).is_dir():
            raise SettingsError(f"{args.registry_dir}: registry folder does not exist")
    except NotRetryable as error:
        return _fail(str(error))
    period = spec.period
    print(f"rating period {period}, source {args.source}" + (f" ({args.input_dir})" if args.input_dir else ""))
    return 0


def cmd_run_dag(args: argparse.Namespace) -> int:
    """Run the DAG once through Airflow (`airflow dags test`), then print the top 10."""
    from .report import SnapshotNotFound, top

    conf = {
        "period": args.period or None,
        "source": args.source,
        "input_dir": str(Path(args.input_dir).resolve()) if args.input_dir else None,
        "registry_dir": str(Path(args.registry_dir).resolve()) if args.registry_dir else None,
        "scale": args.scale,
        "seed": args.seed,
    }
    airflow = Path(sys.executable).with_name("airflow")
    started = datetime.now(UTC)
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"dags-test-{started:%Y%m%dT%H%M%SZ}.log"
    print(f"running DAG {DAG_ID} with {json.dumps(conf, ensure_ascii=False)}; full log: {log_path}", flush=True)
    clock = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [str(airflow), "dags", "test", DAG_ID, "-c", json.dumps(conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in process.stdout:
            log.write(line)
            if _is_progress(line):
                print("  " + line.strip()[:160], flush=True)
        code = process.wait()
    print(f"DAG run finished in {time.perf_counter() - clock:.1f} s (exit code {code})")
    try:
        text = top(warehouse_path(), published_after=started)
    except SnapshotNotFound:
        print(f"nothing was published by this run; see the log: {log_path}", file=sys.stderr)
        for line in _errors(log_path):
            print("  " + line, file=sys.stderr)
        return 1
    print()
    print(text)
    return 0 if code == 0 else 1


def _is_progress(line: str) -> bool:
    """Lines of the `dags test` log worth showing while it runs: the pipeline's own, failures, the end."""
    markers = ("[gospublic_rating.", "Task failed", "DagRun Finished", "Retry policy decision")
    return any(marker in line for marker in markers)


def _errors(log_path: Path) -> list[str]:
    """Why the run failed: the project's exception with its message, else the log's error lines."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"^[\w.]+(Error|Failed|Refused|Exception): ", line)]
    if starts:
        first = starts[-1]
        last = first + 1
        while last < len(lines) and lines[last].startswith(" "):
            last += 1
        return lines[first:last]
    return [line.strip() for line in lines if "error" in line.lower()][-8:]


def cmd_report(args: argparse.Namespace) -> int:
    """The report of a snapshot: text top places (default), or an HTML, XLSX or CSV file."""
    from . import reporting
    from .report import SnapshotNotFound, top

    ref = args.ref or args.snapshot_id or args.period
    try:
        if args.format == "text":
            if args.region:
                return _fail("--region is for --format html, xlsx or csv")
            snapshot_id, period = (ref, None) if ref and not re.fullmatch(r"\d{4}-\d{2}", ref) else (None, ref)
            print(top(warehouse_path(), snapshot_id, period, max_place=args.places))
            return 0
        out = Path(args.out) if args.out else None
        path = reporting.write(warehouse_path(), ref, args.format, data_dir() / "reports", out, args.region)
    except SnapshotNotFound as error:
        return _fail(str(error), 1)
    print(path)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Places and points of every region (or one) over the published periods."""
    from .report import SnapshotNotFound
    from .reporting.data import history

    try:
        rows = history(warehouse_path(), args.region)
    except SnapshotNotFound as error:
        return _fail(str(error), 1)
    if not rows:
        return _fail(f"no published place of region {args.region!r}" if args.region else "nothing published yet", 1)
    print(f"{'period':8}  {'source':6}  {'code':4}  {'region':<44}{'place':>6}{'points':>8}  snapshot")
    for period, source, code, name, place, points, snapshot_id in rows:
        print(f"{period:8}  {source:6}  {code:4}  {name:<44}{place:>6}{points:>8.1f}  {snapshot_id}")
    return 0


def cmd_generate_demo(args: argparse.Namespace) -> int:
    """Write the five contract tables of the demo source to a folder (input for SOURCE=files)."""
    import pyarrow as pa

    from .lake import write_parquet
    from .period import Period
    from .sources.demo import PLATFORMS, DemoSource, generate_platform, generate_registry

    period = Period.parse(args.period)
    out = Path(args.out)
    source = DemoSource(args.scale, args.seed)
    registry = generate_registry(source.scale, source.seed)
    platform_tables = [generate_platform(registry, p, period, source.seed) for p in PLATFORMS]
    for name, table in registry.items():
        write_parquet(table, out / f"{name}.parquet")
    for name in ("page_stats", "posts"):
        write_parquet(pa.concat_tables([t[name] for t in platform_tables]), out / f"{name}.parquet")
    print(f"wrote regions, organizations, pages, page_stats, posts for {period} to {out}")
    return 0


def cmd_rebuild_raw(args: argparse.Namespace) -> int:
    """Rebuild a live run's raw page_stats and posts from its landing archive, calling no API."""
    from .lake import RunLake
    from .sources.live import PLATFORM_APIS, rebuild_raw

    lake = RunLake(Path(args.run_dir))
    platforms = args.platform or [p for p in PLATFORM_APIS if (lake.root / "landing" / p).is_dir()]
    if not platforms:
        return _fail(f"{lake.root}: no landing archive (landing/<platform>/) in this run folder")
    for platform in platforms:
        counts = rebuild_raw(lake, platform)
        print(f"{platform}: {counts['page_stats']:,} page_stats rows, {counts['posts']:,} posts rebuilt")
    return 0


def cmd_ensure_database(args: argparse.Namespace) -> int:
    """Create a PostgreSQL database (for Airflow's metadata) unless it exists."""
    import psycopg2

    params = {
        k: os.environ[v] for k, v in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER")) if v in os.environ
    }
    try:
        connection = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.OperationalError as error:
        return _fail(f"cannot reach PostgreSQL for Airflow's metadata database: {error}".strip())
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("select 1 from pg_database where datname = %s", (args.name,))
        if cursor.fetchone() is None:
            cursor.execute(f'create database "{args.name}"')
            print(f"created PostgreSQL database {args.name}")
    connection.close()
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gospublic_rating",
        description="gospublic-rating: the monthly rating of Russia's regions on their official public pages.",
        epilog="Most people want `make run` and `make test`; see README.md.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--period", default="", help="month to rate, YYYY-MM (default: the last complete month)")
        p.add_argument(
            "--source", default="demo", choices=["demo", "files", "live"], help="input source (default demo)"
        )
        p.add_argument("--input-dir", default="", help="for --source files: folder of the five contract Parquet files")
        p.add_argument("--registry-dir", default="", help="for --source live: folder of the regions' registry files")
        p.add_argument("--scale", type=_optional_int, default=None, help="for demo: organisations (default 150000)")
        p.add_argument("--seed", type=_optional_int, default=None, help="for demo: random seed")

    p = sub.add_parser("preflight", help="check period, source and input files before a run")
    run_options(p)
    p.set_defaults(func=cmd_preflight)

    p = sub.add_parser("run-dag", help="run the DAG once through Airflow and print the top 10")
    run_options(p)
    p.set_defaults(func=cmd_run_dag)

    p = sub.add_parser("report", help="the report of a published snapshot: text, HTML, XLSX or CSV")
    p.add_argument("ref", nargs="?", help="snapshot id, or a period YYYY-MM (its newest snapshot); default the newest")
    p.add_argument("--format", default="text", choices=["text", "html", "xlsx", "csv"], help="default text")
    p.add_argument("--out", help="file to write (default <data>/reports/<snapshot id>[-<region>].<format>)")
    p.add_argument("--region", help="region code: its «Что исправить» list only (xlsx, csv)")
    p.add_argument("--snapshot-id", help=argparse.SUPPRESS)
    p.add_argument("--period", help=argparse.SUPPRESS)
    p.add_argument("--places", type=int, default=10, help="text: show places up to this one (default 10)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("history", help="places and points of the regions over the published periods")
    p.add_argument("region", nargs="?", help="region code or part of its name (default: all regions)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("generate-demo", help="write the demo source's contract tables to a folder")
    p.add_argument("--out", required=True, help="folder to write regions/organizations/pages/page_stats/posts.parquet")
    p.add_argument("--period", required=True, help="month, YYYY-MM")
    p.add_argument("--scale", type=int, default=None, help="organisations (default 150000)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the demo source's)")
    p.set_defaults(func=cmd_generate_demo)

    p = sub.add_parser("rebuild-raw", help="rebuild a live run's raw Parquet from its landing archive alone")
    p.add_argument("run_dir", help="the run's lake folder (snapshot.runs.lake_path)")
    p.add_argument("--platform", action="append", choices=["vk", "ok", "telegram"], help="only this platform")
    p.set_defaults(func=cmd_rebuild_raw)

    p = sub.add_parser("ensure-database", help="create Airflow's PostgreSQL metadata database if missing")
    p.add_argument("name")
    p.set_defaults(func=cmd_ensure_database)

    p = sub.add_parser("bench", help="print the benchmark figures at national scale")
    p.add_argument("--scale", type=int, default=150_000, help="organisations (default 150000)")
    p.add_argument("--skip-dag", action="store_true", help="measure the models only, not a whole `make run`")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
