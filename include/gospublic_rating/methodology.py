"""The versioned methodology file: every weight, threshold and rounding rule of the rating."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .errors import NotRetryable

_VERSION_FILE = re.compile(r"v([0-9]+)\.toml")


def available() -> tuple[str, ...]:
    """The methodology versions shipped with the package, oldest first (v1, v2, ..., v10)."""
    folder = resources.files(__package__).joinpath("methodologies")
    numbers = sorted(int(m.group(1)) for f in folder.iterdir() if (m := _VERSION_FILE.fullmatch(f.name)))
    return tuple(f"v{n}" for n in numbers)


# A run that names no methodology is rated by the newest one.
DEFAULT_VERSION = available()[-1]


class MethodologyError(NotRetryable, ValueError):
    """A methodology file that is inconsistent."""


@dataclass(frozen=True)
class Indicator:
    id: str
    block: int
    name: str
    kind: str  # "share" or "continuous"
    weight: float
    # Published with every snapshot (snapshot.indicator_definitions); no number depends on them.
    name_ru: str = ""
    name_en: str = ""
    formula: str = ""


@dataclass(frozen=True)
class Methodology:
    version: str
    toml_text: str
    platforms: tuple[str, ...]
    mandatory_platforms: tuple[str, ...]
    # Platforms whose posts report likes, comments and reposts: only they count in I7, I8.
    interaction_platforms: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    params: dict[str, Any]  # the scalar parameters the SQL models read as $name

    @property
    def min_page_stats_coverage(self) -> float:
        return float(self.params["min_page_stats_coverage"])


def parse(version: str, text: str) -> Methodology:
    """Parse and check the text of a methodology file."""
    data = tomllib.loads(text)
    where = f"methodology {version}"
    if data.get("version") != version:
        raise MethodologyError(f"{where}: file says version {data.get('version')!r}")
    pages, scoring, publication = data["pages"], data["scoring"], data["publication"]
    platforms = tuple(pages["platforms"])
    mandatory = tuple(pages["mandatory_platforms"])
    if not set(mandatory) <= set(platforms) or not mandatory:
        raise MethodologyError(f"{where}: mandatory_platforms must be a non-empty subset of platforms")
    # v1 names no interaction_platforms: every platform reports likes, comments and reposts.
    interaction = tuple(pages.get("interaction_platforms", platforms))
    if not set(interaction) <= set(platforms):
        raise MethodologyError(f"{where}: interaction_platforms must be a subset of platforms")
    presence_platform = pages.get("presence_platform")
    if presence_platform is not None and presence_platform not in platforms:
        raise MethodologyError(f"{where}: presence_platform {presence_platform!r} is not one of the platforms")
    indicators = tuple(Indicator(**item) for item in data["indicators"])
    ids = [i.id for i in indicators]
    if len(set(ids)) != len(ids):
        raise MethodologyError(f"{where}: indicator ids repeat: {ids}")
    for block in (1, 2):
        total = sum(i.weight for i in indicators if i.block == block)
        if abs(total - 1.0) > 1e-9:
            raise MethodologyError(f"{where}: block {block} weights add up to {total}, not 1")
    if any(i.kind not in ("share", "continuous") for i in indicators):
        raise MethodologyError(f"{where}: indicator kind must be 'share' or 'continuous'")
    if abs(scoring["block1_weight"] + scoring["block2_weight"] - 1.0) > 1e-9:
        raise MethodologyError(f"{where}: block weights of the total must add up to 1")
    if not 0 <= scoring["clip_low_quantile"] < scoring["clip_high_quantile"] <= 1:
        raise MethodologyError(f"{where}: need 0 <= clip_low_quantile < clip_high_quantile <= 1")
    params = {
        "live_status": pages["live_status"],
        "min_posts": int(pages["min_posts"]),
        "score_scale": float(scoring["score_scale"]),
        "clip_low_quantile": float(scoring["clip_low_quantile"]),
        "clip_high_quantile": float(scoring["clip_high_quantile"]),
        "dialogue_per_views": float(scoring["dialogue_per_views"]),
        "block1_weight": float(scoring["block1_weight"]),
        "block2_weight": float(scoring["block2_weight"]),
        "points_decimals": int(scoring["points_decimals"]),
        "total_decimals": int(scoring["total_decimals"]),
        "min_page_stats_coverage": float(publication["min_page_stats_coverage"]),
        # I9 (v2 on): organisations of this kind with a live page on this platform; none in v1
        # (the SQL then counts nothing, and v1 has no I9 to count it into).
        "presence_platform": presence_platform,
        "presence_org_kind": pages.get("presence_org_kind"),
    }
    return Methodology(version, text, platforms, mandatory, interaction, indicators, params)


@cache
def load(version: str = DEFAULT_VERSION) -> Methodology:
    """Load and check ``methodologies/<version>.toml`` shipped with the package."""
    source = resources.files(__package__).joinpath("methodologies", f"{version}.toml")
    if not source.is_file():
        raise MethodologyError(
            f"no methodology {version!r} (looked for methodologies/{version}.toml; available: {', '.join(available())})"
        )
    return parse(version, source.read_text(encoding="utf-8"))
