"""Command line of gospublic-rating (`gospublic --help`, or ``python -m gospublic_rating``).

One module per group of subcommands; each has ``register(sub)`` adding its parsers.
"""

from __future__ import annotations

import argparse

from . import audit, data, deploy, report, run

GROUPS = (run, report, audit, data, deploy)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gospublic",
        description="gospublic-rating: the monthly rating of Russia's regions on their official public pages.",
        epilog="Most people want `make run` and `make test`; see README.md.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
