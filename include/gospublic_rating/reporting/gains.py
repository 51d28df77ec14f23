"""Points a region would gain if one group of «Что исправить» were fixed.

The region's indicators are re-scored with the group fixed (docs/methodology.md §6:
shares score 100 × value; continuous indicators against the clip bounds as published, so
other regions are unchanged), then its blocks, total and points are recomputed (§7).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..methodology import Methodology
from .data import Definition, Indicator, Region, Report


def score(methodology: Methodology, kind: str, value: float | None, published: Indicator) -> float:
    scale = methodology.params["score_scale"]
    if kind == "share":
        return scale * (value or 0.0)
    low, high = published.clip_low, published.clip_high
    if value is None or low is None or high is None:
        return 0.0
    if high == low:
        return scale
    return scale * (min(max(value, low), high) - low) / (high - low)


def points(methodology: Methodology, total: float) -> float:
    """Half away from zero to points_decimals, after taking the total to total_decimals (§7)."""
    params = methodology.params
    exact = Decimal(repr(total)).quantize(Decimal(1).scaleb(-params["total_decimals"]), rounding=ROUND_HALF_UP)
    return float(exact.quantize(Decimal(1).scaleb(-params["points_decimals"]), rounding=ROUND_HALF_UP))


def region_points(
    methodology: Methodology, definitions: tuple[Definition, ...], region: Region, values: dict[str, float | None]
) -> float:
    """The region's points with some indicator values replaced by ``values`` (weights and kinds:
    the snapshot's indicator_definitions; scale, block weights and rounding: its methodology)."""
    blocks = {}
    for block in (1, 2):
        indicators = [i for i in definitions if i.block == block]
        weighted = 0.0
        for indicator in indicators:
            published = region.indicators[indicator.id]
            if indicator.id in values:
                weighted += score(methodology, indicator.kind, values[indicator.id], published) * indicator.weight
            else:
                weighted += published.score * indicator.weight
        blocks[block] = weighted / sum(i.weight for i in indicators)
    params = methodology.params
    return points(methodology, params["block1_weight"] * blocks[1] + params["block2_weight"] * blocks[2])


def gains(report: Report, methodology: Methodology) -> dict[tuple[str, str], float]:
    """(region, group) -> points gained by fixing that group alone (rounded to the points' decimals)."""
    regions = {r.region_code: r for r in report.regions}
    decimals = methodology.params["points_decimals"]
    return {
        (code, group): round(
            region_points(methodology, report.definitions, regions[code], values) - regions[code].points, decimals
        )
        for (code, group), values in report.fixed_values.items()
        if code in regions
    }
