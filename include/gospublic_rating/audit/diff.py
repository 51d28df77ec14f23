"""`gospublic diff A B`: places and points that moved between two snapshots, and the
indicators that moved them (each indicator's change of contribution to the total:
block weight × indicator weight / block's weights × score, docs/methodology.md §6)."""

from __future__ import annotations

from ..reporting.text import place_labels
from . import methodology_of, resolve

EPSILON = 1e-9


def contributions(reader, run: dict) -> dict[tuple[str, str], float]:
    """(region, indicator) -> the indicator's contribution to the region's total in this snapshot."""
    params = methodology_of(run).params
    definitions = reader.read("indicator_definitions", run["snapshot_id"]).to_pylist()
    weights = {d["indicator"]: d["weight"] for d in definitions}
    block_of = {d["indicator"]: d["block"] for d in definitions}
    per_block = {b: sum(w for i, w in weights.items() if block_of[i] == b) for b in set(block_of.values())}
    out = {}
    for row in reader.read("indicators", run["snapshot_id"]).to_pylist():
        ind = row["indicator"]
        share = weights[ind] / per_block[block_of[ind]]
        out[row["region_code"], ind] = params[f"block{block_of[ind]}_weight"] * share * row["score"]
    return out


def diff(reader, a: str, b: str, top_indicators: int = 3) -> tuple[str, int]:
    """The text of `gospublic diff` and the number of regions whose place or points moved."""
    run_a, run_b = resolve(reader, a), resolve(reader, b)
    rank_a = {r["region_code"]: r for r in reader.read("ranking", run_a["snapshot_id"]).to_pylist()}
    rank_b = {r["region_code"]: r for r in reader.read("ranking", run_b["snapshot_id"]).to_pylist()}
    labels_a, labels_b = place_labels(list(rank_a.values())), place_labels(list(rank_b.values()))
    contrib_a, contrib_b = contributions(reader, run_a), contributions(reader, run_b)
    lines = [
        f"A: {run_a['snapshot_id']} (period {run_a['period']}, version {run_a['version']})",
        f"B: {run_b['snapshot_id']} (period {run_b['period']}, version {run_b['version']})",
        "",
    ]
    only = sorted(set(rank_a) ^ set(rank_b))
    if only:
        lines.append(f"regions in only one snapshot: {', '.join(only)}")
    moved = []
    for code in sorted(set(rank_a) & set(rank_b)):
        ra, rb = rank_a[code], rank_b[code]
        if ra["place"] == rb["place"] and abs(ra["points"] - rb["points"]) < EPSILON:
            continue
        indicators = {i for r, i in contrib_a if r == code} | {i for r, i in contrib_b if r == code}
        deltas = sorted(
            ((i, contrib_b.get((code, i), 0.0) - contrib_a.get((code, i), 0.0)) for i in indicators),
            key=lambda item: (-abs(item[1]), item[0]),
        )
        why = ", ".join(f"{i} {d:+.2f}" for i, d in deltas[:top_indicators] if abs(d) >= 0.005) or "rounding only"
        moved.append(
            (
                -abs(rb["points"] - ra["points"]),
                code,
                f"{code:4} {ra['region_name'][:40]:<40} place {labels_a[code]:>4} → {labels_b[code]:<4} "
                f"points {ra['points']:6.1f} → {rb['points']:6.1f} ({rb['points'] - ra['points']:+.1f}); "
                f"moved by {why}",
            )
        )
    lines += [line for _, _, line in sorted(moved)]
    unchanged = len(set(rank_a) & set(rank_b)) - len(moved)
    lines += [
        "",
        f"{len(moved)} regions moved (place or points), {unchanged} unchanged. "
        "Indicator figures: change of the indicator's contribution to the total, in points.",
    ]
    return "\n".join(lines), len(moved)
