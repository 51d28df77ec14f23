"""Reading what was published: report."""

from __future__ import annotations

import argparse

from .common import fail


def register(sub) -> None:
    p = sub.add_parser("report", help="print the top places of a published snapshot")
    p.add_argument("--snapshot-id", help="snapshot to show (default: the newest)")
    p.add_argument("--period", help="show the newest snapshot of this period")
    p.add_argument("--places", type=int, default=10, help="show places up to this one (default 10)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import SnapshotNotFound, top

    try:
        print(top(None, args.snapshot_id, args.period, max_place=args.places))
    except SnapshotNotFound as error:
        return fail(str(error), 1)
    return 0
