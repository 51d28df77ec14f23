"""Data commands: generate-demo (contract files for SOURCE=files), rebuild-raw (from a landing archive), bench."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..platforms import NAMES
from .common import fail


def register(sub) -> None:
    p = sub.add_parser("generate-demo", help="write the demo source's contract tables to a folder")
    p.add_argument("--out", required=True, help="folder to write regions/organizations/pages/page_stats/posts.parquet")
    p.add_argument("--period", required=True, help="month, YYYY-MM")
    p.add_argument("--scale", type=int, default=None, help="organisations (default 150000)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the demo source's)")
    p.add_argument(
        "--methodology", default=None, help="pages on the platforms of this methodology, e.g. v1 (default: the newest)"
    )
    p.set_defaults(func=cmd_generate_demo)

    p = sub.add_parser("rebuild-raw", help="rebuild a live run's raw Parquet from its landing archive alone")
    p.add_argument("run_dir", help="the run's lake folder (snapshot.runs.lake_path)")
    p.add_argument("--platform", action="append", choices=NAMES, help="only this platform")
    p.set_defaults(func=cmd_rebuild_raw)

    p = sub.add_parser("bench", help="print the benchmark figures at national scale")
    p.add_argument("--scale", type=int, default=150_000, help="organisations (default 150000)")
    p.add_argument("--skip-dag", action="store_true", help="measure the models only, not a whole `make run`")
    p.set_defaults(func=cmd_bench)


def cmd_generate_demo(args: argparse.Namespace) -> int:
    """Write the five contract tables of the demo source to a folder (input for SOURCE=files)."""
    import pyarrow as pa

    from ..lake import write_parquet
    from ..methodology import DEFAULT_VERSION, MethodologyError
    from ..methodology import load as load_methodology
    from ..period import Period, PeriodError
    from ..sources import SYNTHETIC_KEY
    from ..sources.demo import DemoSource, generate_platform, generate_registry

    try:
        period = Period.parse(args.period)
        platforms = load_methodology(args.methodology or DEFAULT_VERSION).platforms
    except (PeriodError, MethodologyError) as error:
        return fail(str(error))
    out = Path(args.out)
    source = DemoSource(args.scale, args.seed, platforms)
    registry = generate_registry(source.scale, source.seed, platforms)
    platform_tables = [generate_platform(registry, p, period, source.seed) for p in platforms]
    tables = {**registry, **{n: pa.concat_tables([t[n] for t in platform_tables]) for n in ("page_stats", "posts")}}
    marker = f"demo data made by generate-demo (scale {source.scale}, seed {source.seed}): not a real rating"
    for name, table in tables.items():
        metadata = {**(table.schema.metadata or {}), SYNTHETIC_KEY: marker.encode("utf-8")}
        write_parquet(table.replace_schema_metadata(metadata), out / f"{name}.parquet")
    print(f"wrote regions, organizations, pages, page_stats, posts for {period} to {out} (marked as demo data)")
    return 0


def cmd_rebuild_raw(args: argparse.Namespace) -> int:
    """Rebuild a live run's raw page_stats and posts from its landing archive, calling no API."""
    from ..lake import RunLake
    from ..sources.live import rebuild_raw

    lake = RunLake(Path(args.run_dir))
    platforms = args.platform or [p for p in NAMES if (lake.root / "landing" / p).is_dir()]
    if not platforms:
        return fail(f"{lake.root}: no landing archive (landing/<platform>/) in this run folder")
    for platform in platforms:
        counts = rebuild_raw(lake, platform)
        print(f"{platform}: {counts['page_stats']:,} page_stats rows, {counts['posts']:,} posts rebuilt")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from ..bench import main as bench_main

    return bench_main(args)
