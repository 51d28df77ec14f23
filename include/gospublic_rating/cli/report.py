"""Reading what was published: report (text, HTML, XLSX, CSV) and history."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ..lake import data_dir
from .common import fail


def register(sub) -> None:
    p = sub.add_parser("report", help="the report of a published snapshot: text, HTML, XLSX or CSV")
    p.add_argument("ref", nargs="?", help="snapshot id, or a period YYYY-MM (its newest snapshot); default the newest")
    p.add_argument("--format", default="text", choices=["text", "html", "xlsx", "csv"], help="default text")
    p.add_argument("--out", help="file to write (default <data>/reports/<snapshot id>[-<region>].<format>)")
    p.add_argument("--region", help="region code: its «Что исправить» list only (xlsx, csv)")
    p.add_argument("--snapshot-id", help="snapshot to show (same as REF)")
    p.add_argument("--period", help="show the newest snapshot of this period (same as REF)")
    p.add_argument("--places", type=int, default=10, help="text: show places up to this one (default 10)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("history", help="places and points of the regions over the published periods")
    p.add_argument("region", nargs="?", help="region code or part of its name (default: all regions)")
    p.set_defaults(func=cmd_history)


def cmd_report(args: argparse.Namespace) -> int:
    """The report of a snapshot: text top places (default), or an HTML, XLSX or CSV file."""
    from .. import reporting
    from ..reporting.data import SnapshotNotFound
    from ..reporting.text import top
    from ..warehouse import WarehouseSchemaError, WarehouseUnreadable

    ref = args.ref or args.snapshot_id or args.period
    try:
        if args.format == "text":
            if args.region:
                return fail("--region is for --format html, xlsx or csv")
            snapshot_id, period = (ref, None) if ref and not re.fullmatch(r"\d{4}-\d{2}", ref) else (None, ref)
            print(top(None, snapshot_id, period, max_place=args.places))
            return 0
        out = Path(args.out) if args.out else None
        path = reporting.write(None, ref, args.format, data_dir() / "reports", out, args.region)
    except (SnapshotNotFound, WarehouseSchemaError, WarehouseUnreadable) as error:
        return fail(str(error), 1)
    print(path)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Places and points of every region (or one) over the published periods (snapshot.ranking_history)."""
    from ..reporting.data import SnapshotNotFound, history
    from ..warehouse import WarehouseSchemaError, WarehouseUnreadable

    try:
        rows = history(None, args.region)
    except (SnapshotNotFound, WarehouseSchemaError, WarehouseUnreadable) as error:
        return fail(str(error), 1)
    if not rows:
        return fail(f"no published place of region {args.region!r}" if args.region else "nothing published yet", 1)
    print(f"{'period':8}  {'source':6}  {'code':4}  {'region':<44}{'place':>6}{'points':>8}  version")
    for period, source, code, name, place, points, version in rows:
        print(f"{period:8}  {source:6}  {code:4}  {name:<44}{place:>6}{points:>8.1f}  {version}")
    return 0
