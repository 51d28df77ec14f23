"""What auditors do with published snapshots: list and show them, explain a region's points,
diff two snapshots, verify one by recomputing it, export one. Read-only, either back end
(``warehouse.open_reader``); the command line is ``cli/audit.py``.
"""

from __future__ import annotations

import re

from ..methodology import Methodology, parse


class AuditError(LookupError):
    """A snapshot or region that does not exist, or is ambiguous."""


_PERIOD_RE = re.compile(r"\d{4}-\d{2}")


def resolve(reader, ref: str | None) -> dict:
    """The runs row of ``ref``: a snapshot id, a period YYYY-MM (its newest snapshot), or None (the newest)."""
    runs = reader.read("runs").to_pylist()
    if not runs:
        raise AuditError(f"{reader.location}: no snapshot has been published yet")
    if ref is None:
        return max(runs, key=lambda r: r["seq"])
    exact = [r for r in runs if r["snapshot_id"] == ref]
    if exact:
        return exact[0]
    if _PERIOD_RE.fullmatch(ref):
        of_period = [r for r in runs if r["period"] == ref]
        if of_period:
            return max(of_period, key=lambda r: r["seq"])
        raise AuditError(f"{reader.location}: no snapshot of period {ref}; `gospublic snapshots list` shows them")
    raise AuditError(f"{reader.location}: no snapshot {ref}; `gospublic snapshots list` shows the snapshot ids")


def methodology_of(run: dict) -> Methodology:
    """The methodology a snapshot was computed with, parsed from its archived text."""
    return parse(run["methodology_version"], run["methodology_toml"])


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def find_region(ranking: list[dict], wanted: str) -> dict:
    """The ranking row of a region given by code (``77``) or by (part of) its Russian name, any case."""
    text = wanted.strip()
    by_code = [r for r in ranking if r["region_code"] == text or r["region_code"].lstrip("0") == text.lstrip("0")]
    if len(by_code) == 1:
        return by_code[0]
    matches = [r for r in ranking if _fold(text) in _fold(r["region_name"])]
    exact = [r for r in matches if _fold(r["region_name"]) == _fold(text)]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise AuditError(f"no region {wanted!r}: give a region code (e.g. 77) or part of its Russian name")
    names = ", ".join(f"{r['region_code']} {r['region_name']}" for r in sorted(matches, key=lambda r: r["region_code"]))
    raise AuditError(f"{wanted!r} matches {len(matches)} regions: {names}; be more precise or give the code")
