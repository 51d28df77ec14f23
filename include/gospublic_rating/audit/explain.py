"""`gospublic explain REGION`: one region's points derived step by step from a snapshot.

Every number comes from the snapshot's own tables (indicators, indicator_definitions,
ranking, organizations, page_metrics) and its archived methodology; the counts behind each
indicator are recounted from ``organizations`` and ``page_metrics`` beside the published
numerator and denominator, so an auditor sees both agree (docs/methodology.md, §5-6).
"""

from __future__ import annotations

import statistics
from collections import Counter

import pyarrow.compute as pc

from ..reporting.text import place_labels
from . import find_region, methodology_of, resolve


def _num(value) -> str:
    if value is None:
        return "null"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}".replace(",", " ")
    return f"{value:.6g}"


def _region_rows(reader, table: str, snapshot_id: str, region: str) -> list[dict]:
    data = reader.read(table, snapshot_id)
    return data.filter(pc.equal(data["region_code"], region)).to_pylist()


def recounts(orgs: list[dict], pages: list[dict], mandatory: tuple[str, ...]) -> dict[str, tuple]:
    """(numerator, denominator[, median]) of each v1 indicator, by its methodology name, recounted
    from the region's organisations and pages as docs/methodology.md §5 defines them."""
    live = [p for p in pages if p["is_live"]]
    live_mandatory = [p for p in live if p["platform"] in mandatory]
    present = Counter(org for org, _ in {(p["org_id"], p["platform"]) for p in live_mandatory})
    measurable = [p for p in live if p["is_measurable"]]

    def median(column: str):
        values = [p[column] for p in measurable if p[column] is not None]
        return statistics.median(values) if values else None

    return {
        "presence": (sum(1 for n in present.values() if n == len(mandatory)), len(orgs)),
        "gov_mark": (sum(p["gov_mark"] for p in live_mandatory), len(live_mandatory)),
        "pos_connected": (sum(p["pos_connected"] for p in live_mandatory), len(live_mandatory)),
        "qualified_admins": (sum(o["admin_qualified"] for o in orgs), len(orgs)),
        "regularity": (sum(p["is_regular"] for p in live), len(live)),
        "reach": (None, len(measurable), median("reach_ratio")),
        "engagement": (None, len(measurable), median("engagement_ratio")),
        "dialogue": (sum(p["comments_total"] for p in live), sum(p["views_total"] for p in live)),
    }


def _facts(orgs: list[dict], pages: list[dict]) -> list[str]:
    kinds = Counter(o["org_kind"] for o in orgs)
    platforms = Counter(p["platform"] for p in pages)
    live = [p for p in pages if p["is_live"]]
    return [
        f"Organisations (snapshot.organizations): {_num(len(orgs))} — "
        + ", ".join(f"{kind} {_num(n)}" for kind, n in sorted(kinds.items()))
        + f"; with no page at all {_num(sum(1 for o in orgs if o['pages_count'] == 0))}; "
        f"admin qualified {_num(sum(o['admin_qualified'] for o in orgs))}",
        f"Registry pages (snapshot.page_metrics): {_num(len(pages))} — "
        + ", ".join(f"{platform} {_num(n)}" for platform, n in sorted(platforms.items()))
        + f"; live {_num(len(live))}, regular {_num(sum(p['is_regular'] for p in live))}, "
        f"measurable {_num(sum(p['is_measurable'] for p in live))}",
        f"Posts of the live pages in the period: {_num(sum(p['posts_count'] for p in live))}; "
        f"views {_num(sum(p['views_total'] for p in live))}, comments {_num(sum(p['comments_total'] for p in live))}",
    ]


def _value_line(row: dict, definition: dict, recount: tuple | None, params: dict) -> str:
    if definition["kind"] == "share":
        how = f"{_num(row['numerator'])} / {_num(row['denominator'])}"
        if row["denominator"] == 0:
            how += " (no denominator: 0)"
    elif row["numerator"] is None:
        how = f"median over {_num(row['denominator'])} measurable pages"
    else:
        how = f"{_num(params['dialogue_per_views'])} × {_num(row['numerator'])} / {_num(row['denominator'])}"
    line = f"value = {how} = {_num(row['value'])}"
    if recount is not None:
        counted = recount[2] if len(recount) > 2 else None
        parts = [f"{_num(n)}" for n in recount[:2] if n is not None]
        line += f"   [recounted from the pages and organisations: {' / '.join(parts)}"
        line += f", median {_num(counted)}]" if len(recount) > 2 else "]"
    return line


def _score_line(row: dict, definition: dict, params: dict) -> str:
    scale = _num(params["score_scale"])
    if definition["kind"] == "share":
        return f"score = {scale} × value = {_num(row['score'])}"
    if row["value"] is None:
        return f"score = 0 (no value); clip bounds [{_num(row['clip_low'])}, {_num(row['clip_high'])}]"
    return (
        f"clip bounds across regions [{_num(row['clip_low'])}, {_num(row['clip_high'])}] "
        f"(quantiles {params['clip_low_quantile']} and {params['clip_high_quantile']}); "
        f"score = {scale} × clamp((value − low) / (high − low), 0, 1) = {_num(row['score'])}"
    )


def explain(reader, region: str, snapshot: str | None = None) -> str:
    """The text of `gospublic explain`."""
    run = resolve(reader, snapshot)
    sid = run["snapshot_id"]
    methodology = methodology_of(run)
    params = methodology.params
    ranking = reader.read("ranking", sid).to_pylist()
    place = find_region(ranking, region)
    code = place["region_code"]
    definitions = {d["indicator"]: d for d in reader.read("indicator_definitions", sid).to_pylist()}
    indicators = {r["indicator"]: r for r in _region_rows(reader, "indicators", sid, code)}
    orgs = _region_rows(reader, "organizations", sid, code)
    pages = _region_rows(reader, "page_metrics", sid, code)
    counted = recounts(orgs, pages, methodology.mandatory_platforms)
    demo = "DEMO DATA — not a real rating. " if run["is_demo"] else ""
    lines = [
        f"{demo}{code} {place['region_name']}: place {place_labels(ranking)[code]} of {len(ranking)}, "
        f"{place['points']:.{params['points_decimals']}f} points",
        f"snapshot {sid} (period {run['period']}, source {run['source']}, version {run['version']}), "
        f"methodology {run['methodology_version']}",
        "",
        *_facts(orgs, pages),
    ]
    for block in (1, 2):
        block_weight = params[f"block{block}_weight"]
        in_block = sorted((d for d in definitions.values() if d["block"] == block), key=lambda d: d["indicator"])
        weights = sum(d["weight"] for d in in_block)
        lines += ["", f"Block {block} (weight {_num(block_weight)} in the total)"]
        for d in in_block:
            row = indicators[d["indicator"]]
            share = d["weight"] / weights
            lines += [
                f"  {d['indicator']} {d['name_ru']} ({d['name']}, {d['kind']}, weight {_num(d['weight'])})",
                f"     {d['formula']}",
                "     " + _value_line(row, d, counted.get(d["name"]), params),
                "     " + _score_line(row, d, params),
                f"     contribution: {_num(share)} × {_num(row['score'])} = {_num(share * row['score'])} "
                f"to block {block}, {_num(block_weight * share * row['score'])} to the total",
            ]
        lines.append(f"  block {block} = {_num(place[f'block{block}'])}")
    lines += [
        "",
        f"Total = {_num(params['block1_weight'])} × {_num(place['block1'])} + {_num(params['block2_weight'])} × "
        f"{_num(place['block2'])} = {_num(place['total'])}",
        f"Points = total rounded half away from zero to {params['points_decimals']} decimal(s) "
        f"= {place['points']:.{params['points_decimals']}f}; "
        f"place {place_labels(ranking)[code]} (dense: equal points share a place)",
    ]
    return "\n".join(lines)
