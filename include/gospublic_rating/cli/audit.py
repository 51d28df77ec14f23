"""Auditors' commands: snapshots list/show, explain, diff, verify, export.

Every one reads the warehouse read-only through ``warehouse.open_reader``: the DuckDB file
of the data folder, or PostgreSQL when GOSPUBLIC_WAREHOUSE_URL is set, or what --warehouse names.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import fail

WAREHOUSE_HELP = (
    "DuckDB file or postgresql:// URL to read (default: $GOSPUBLIC_WAREHOUSE_URL, else <data folder>/warehouse.duckdb)"
)
SNAPSHOT_HELP = "a snapshot id (see `gospublic snapshots list`) or a period YYYY-MM (its newest snapshot)"


def _parser(sub, name: str, help_: str, description: str, func) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=description)
    p.add_argument("--warehouse", metavar="FILE|URL", help=WAREHOUSE_HELP)
    p.set_defaults(func=func)
    return p


def register(sub) -> None:
    snapshots = sub.add_parser(
        "snapshots", help="list published snapshots or show one's ranking", description="Published snapshots."
    )
    inner = snapshots.add_subparsers(dest="snapshots_command", required=True, metavar="list|show")
    p = _parser(
        inner,
        "list",
        "list the published snapshots, newest first",
        "List the published snapshots, newest first: id, period, source, version, publication time, content "
        "hash; the newest version of each period and source is marked official.",
        cmd_list,
    )
    p.add_argument("--period", help="only this period, YYYY-MM")
    p.add_argument("--source", help="only this source (demo, files, live)")
    p = _parser(
        inner,
        "show",
        "print a snapshot's ranking",
        "Print a snapshot's whole ranking: places (a shared place is marked '=', e.g. 5=), points, block scores.",
        cmd_show,
    )
    p.add_argument("snapshot", metavar="ID|PERIOD", help=SNAPSHOT_HELP)

    p = _parser(
        sub,
        "explain",
        "derive one region's points step by step",
        "Derive one region's points step by step: for each indicator the numerator and denominator (or the "
        "median's pages), value, clip bounds, score, weight and contribution to its block and to the total, with "
        "the organisations, pages and posts behind them recounted from the snapshot.",
        cmd_explain,
    )
    p.add_argument("region", metavar="REGION", help="region code (77) or part of its Russian name (москва), any case")
    p.add_argument("--snapshot", metavar="ID|PERIOD", help=SNAPSHOT_HELP + "; default: the newest")

    p = _parser(
        sub,
        "diff",
        "places and points that moved between two snapshots",
        "Show the regions whose place or points differ between snapshots A and B, and the indicators whose "
        "contribution to the total moved them most.",
        cmd_diff,
    )
    p.add_argument("a", metavar="A", help=SNAPSHOT_HELP)
    p.add_argument("b", metavar="B", help=SNAPSHOT_HELP)

    p = _parser(
        sub,
        "verify",
        "recompute a snapshot from its archived inputs and compare",
        "Check the hash chain, every archived input's sha256, and recompute the snapshot from the run's raw files "
        "with its archived methodology (in a temporary folder, with the same SQL models). Prints 'identical' or "
        "every row and value that differs. Exit code 0 only when identical, 1 otherwise.",
        cmd_verify,
    )
    p.add_argument("snapshot", metavar="ID|PERIOD", help=SNAPSHOT_HELP)
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder holding the run's lake (runs.lake_path is relative to it; "
        "default $GOSPUBLIC_DATA_DIR, else ./data)",
    )

    p = _parser(
        sub,
        "export",
        "write a snapshot's tables and manifest to a folder",
        "Write every table of a snapshot, and manifest.json (files, rows, sha256, hashes), to DIR. CSV files are "
        "UTF-8 with a BOM and ';' between fields, so that Excel with Russian settings opens them.",
        cmd_export,
    )
    p.add_argument("snapshot", metavar="ID|PERIOD", help=SNAPSHOT_HELP)
    p.add_argument("folder", metavar="DIR", help="folder to write into (created if missing)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format (default parquet)")


def _run(args: argparse.Namespace, action) -> int:
    """Open the warehouse read-only, run ``action(reader)``; errors become one line and exit code 1."""
    from .. import warehouse
    from ..audit import AuditError
    from ..methodology import MethodologyError

    try:
        with warehouse.open_reader(args.warehouse) as reader:
            return action(reader)
    except (AuditError, MethodologyError, warehouse.WarehouseMissing, warehouse.WarehouseUnreadable) as error:
        return fail(str(error), 1)
    except warehouse.WarehouseSchemaError as error:
        return fail(str(error), 1)


def cmd_list(args: argparse.Namespace) -> int:
    from ..audit.listing import list_snapshots

    return _run(args, lambda reader: print(list_snapshots(reader, args.period, args.source)) or 0)


def cmd_show(args: argparse.Namespace) -> int:
    from ..audit import resolve
    from ..reporting.text import top

    def show(reader) -> int:
        run = resolve(reader, args.snapshot)
        print(top(args.warehouse, run["snapshot_id"], max_place=None))
        return 0

    return _run(args, show)


def cmd_explain(args: argparse.Namespace) -> int:
    from ..audit.explain import explain

    return _run(args, lambda reader: print(explain(reader, args.region, args.snapshot)) or 0)


def cmd_diff(args: argparse.Namespace) -> int:
    from ..audit.diff import diff

    return _run(args, lambda reader: print(diff(reader, args.a, args.b)[0]) or 0)


def cmd_verify(args: argparse.Namespace) -> int:
    from ..audit.verify import verify
    from ..lake import data_dir

    def check(reader) -> int:
        verdict = verify(reader, args.snapshot, Path(args.data_dir) if args.data_dir else data_dir())
        print(verdict.text())
        return 0 if verdict.identical else 1

    return _run(args, check)


def cmd_export(args: argparse.Namespace) -> int:
    from ..audit.export import export

    def write(reader) -> int:
        manifest = export(reader, args.snapshot, Path(args.folder), args.format)
        rows = ", ".join(f"{f['table']} {f['rows']}" for f in manifest["files"])
        print(f"exported {manifest['snapshot_id']} to {args.folder} ({args.format}): {rows}; manifest.json")
        return 0

    return _run(args, write)
