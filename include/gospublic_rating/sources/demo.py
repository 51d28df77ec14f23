"""The demo source: a deterministic, realistic national registry and month of platform data.

Same seed, scale and period give identical tables. The registry (organisations and their
declared pages) depends on seed and scale only, so consecutive months rate the same
organisations; page statistics and posts depend on the period too.

Realism built in: regions differ in size and in how well their organisations comply (a
latent "diligence" per region drives presence, marks, training and activity); posts per
page are heavy-tailed (log-normal rates, a share of silent pages); some pages are deleted,
banned, private or not found; some have no followers; some organisations lack a platform;
a few pages have no page_stats row at all (coverage stays above the 99 % publication rule).

MAX (methodology v2) is generated only when the run's methodology lists it: most regional
authorities, fewer municipal bodies and few institutions have a MAX channel; its posts
carry views only (likes, comments and reposts null, as MAX's Bot API reports them). MAX
draws from random streams of its own, so the VK, OK and Telegram data of a seed, scale and
period are the same with or without it: a v1 run rates exactly the data it rated before
MAX existed.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..contract import ORG_KINDS, SCHEMAS
from ..errors import SettingsError
from ..lake import RunLake, write_parquet, write_parquet_batches
from ..period import Period
from ..reference import load_regions
from . import WholePlatform

NATIONAL_SCALE = 150_000
DEFAULT_SEED = 20221201
# Every platform the generator can make, in the order of their random streams (never reorder).
PLATFORMS = ("vk", "ok", "telegram", "max")
# The platforms of the v1 registry, drawn from one stream in this order.
_FIRST_PLATFORMS = ("vk", "ok", "telegram")
_STATUSES = ("deleted", "banned", "private", "not_found")
_KIND_PROBS = (0.04, 0.30, 0.66)
_KIND_NAMES = {
    "regional_authority": "Министерство региона № ",
    "local_government": "Администрация муниципального образования № ",
    "subordinate_institution": "Государственное учреждение № ",
}
# Mean posts per posting page per month, by platform (Telegram channels post more often).
_POST_RATE = {"vk": 19.0, "ok": 11.5, "telegram": 31.0, "max": 14.0}
# Chance that an organisation has a MAX channel: base + slope x its region's diligence, by kind.
_MAX_PRESENCE = {
    "regional_authority": (0.60, 0.35),
    "local_government": (0.04, 0.14),
    "subordinate_institution": (0.005, 0.03),
}
_MISSING_STATS_SHARE = 0.003
_SILENT_SHARE = 0.12
# Posts are generated for this many pages of a platform at a time (bounded memory at any scale).
PAGES_PER_BATCH = 200_000


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _region_traits(seed: int) -> dict[str, np.ndarray]:
    """Per-region size weight and diligence in [0, 1], in the order of the reference list."""
    regions = load_regions()
    rng = _rng(seed, 0)
    n = regions.num_rows
    size = rng.lognormal(0.0, 0.6, n)
    codes = regions.column("region_code").to_pylist()
    for big in ("77", "50", "78", "23", "66", "02", "16"):  # the most populous subjects
        size[codes.index(big)] *= 2.5
    return {
        "code": np.array(codes),
        "size": size / size.sum(),
        "diligence": rng.beta(4.0, 2.5, n),
        "activity": rng.lognormal(0.0, 0.35, n),
        "dialogue": rng.lognormal(0.0, 0.5, n),
    }


def _text(prefix: str | pa.Array, number: np.ndarray, width: int = 0) -> pa.Array:
    """prefix + zero-padded number, vectorised."""
    digits = pc.cast(pa.array(number, pa.int64()), pa.string())
    if width:
        digits = pc.utf8_lpad(digits, width=width, padding="0")
    if isinstance(prefix, str):
        prefix = pa.array([prefix] * len(number), pa.string()) if len(number) else pa.array([], pa.string())
    return pc.binary_join_element_wise(prefix, digits, "")


def generate_registry(
    scale: int = NATIONAL_SCALE, seed: int = DEFAULT_SEED, platforms: tuple[str, ...] = PLATFORMS
) -> dict[str, pa.Table]:
    """The regions, organisations and pages tables of the contract, with pages on ``platforms``."""
    unknown = set(platforms) - set(PLATFORMS)
    if unknown:
        raise SettingsError(f"the demo source makes no pages on {', '.join(sorted(unknown))}")
    if scale < 1:
        raise SettingsError("scale (number of organisations) must be at least 1")
    traits = _region_traits(seed)
    rng = _rng(seed, 1)
    per_region = rng.multinomial(scale, traits["size"])
    region_idx = np.repeat(np.arange(len(per_region)), per_region)
    seq = np.arange(scale) - np.repeat(np.cumsum(per_region) - per_region, per_region) + 1
    diligence = traits["diligence"][region_idx]

    codes = pa.array(traits["code"][region_idx])
    org_id = _text(pc.binary_join_element_wise("10", codes, ""), seq, 9)
    kind_idx = rng.choice(len(ORG_KINDS), size=scale, p=_KIND_PROBS)
    kinds = pa.array(np.array(ORG_KINDS)[kind_idx])
    name_prefix = pa.array(np.array([_KIND_NAMES[k] for k in ORG_KINDS])[kind_idx])
    org_name = pc.binary_join_element_wise(_text(name_prefix, seq), " (", codes, ")", "")
    admin_qualified = rng.random(scale) < np.clip(0.25 + 0.7 * diligence + rng.normal(0, 0.05, scale), 0, 1)
    organizations = pa.Table.from_arrays(
        [org_id, codes, org_name, kinds, pa.array(admin_qualified)], schema=SCHEMAS["organizations"]
    )

    presence = {
        "vk": 0.80 + 0.19 * diligence,
        "ok": 0.62 + 0.33 * diligence,
        "telegram": 0.08 + 0.30 * diligence,
    }
    parts = []
    for platform_no, platform in enumerate(_FIRST_PLATFORMS):
        has = rng.random(scale) < presence[platform]
        owners = np.flatnonzero(has)
        if platform == "telegram":
            platform_page_id = _text(pc.binary_join_element_wise("gp", codes.take(owners), "_", ""), seq[owners], 6)
            gov_mark = np.zeros(len(owners), bool)
            pos_connected = np.zeros(len(owners), bool)
        else:
            base = 100_000_000 if platform == "vk" else 70_000_000_000_000
            platform_page_id = _text("", base + owners * 7 + platform_no)
            d = diligence[owners]
            gov_mark = rng.random(len(owners)) < np.clip(0.35 + 0.6 * d, 0, 1)
            pos_connected = rng.random(len(owners)) < np.clip(0.30 + 0.65 * d, 0, 1)
        parts.append(
            pa.Table.from_arrays(
                [
                    pc.binary_join_element_wise(platform + ":", platform_page_id, ""),
                    org_id.take(owners),
                    pa.array([platform] * len(owners), pa.string()),
                    platform_page_id,
                    pa.array(gov_mark),
                    pa.array(pos_connected),
                ],
                schema=SCHEMAS["pages"],
            )
        )
    if "max" in platforms:
        parts.append(_max_pages(seed, org_id, codes, seq, kind_idx, diligence))
    pages = pa.concat_tables(parts)
    pages = pages.filter(pc.is_in(pages.column("platform"), value_set=pa.array(platforms, pa.string())))
    return {
        "regions": load_regions(),
        "organizations": organizations,
        "pages": pages,
    }


def _max_pages(
    seed: int, org_id: pa.Array, codes: pa.Array, seq: np.ndarray, kind_idx: np.ndarray, diligence: np.ndarray
) -> pa.Table:
    """MAX channels (public names ``mx<region>_<number>``), from a random stream of their own."""
    rng = _rng(seed, 3)
    base, slope = (np.array([_MAX_PRESENCE[k][i] for k in ORG_KINDS]) for i in (0, 1))
    has = rng.random(len(seq)) < base[kind_idx] + slope[kind_idx] * diligence
    owners = np.flatnonzero(has)
    platform_page_id = _text(pc.binary_join_element_wise("mx", codes.take(owners), "_", ""), seq[owners], 6)
    return pa.Table.from_arrays(
        [
            pc.binary_join_element_wise("max:", platform_page_id, ""),
            org_id.take(owners),
            pa.array(["max"] * len(owners), pa.string()),
            platform_page_id,
            pa.array(np.zeros(len(owners), bool)),
            pa.array(np.zeros(len(owners), bool)),
        ],
        schema=SCHEMAS["pages"],
    )


def generate_platform(
    registry: dict[str, pa.Table], platform: str, period: Period, seed: int = DEFAULT_SEED
) -> dict[str, pa.Table]:
    """The page_stats and posts tables of one platform for one period (MAX posts: views only)."""
    page_stats, posts = generate_platform_batches(registry, platform, period, seed)
    return {"page_stats": page_stats, "posts": pa.concat_tables(list(posts))}


def generate_platform_batches(
    registry: dict[str, pa.Table], platform: str, period: Period, seed: int = DEFAULT_SEED
) -> tuple[pa.Table, Iterator[pa.Table]]:
    """The page_stats table of one platform for one period, and its posts in batches.

    Posts are generated for PAGES_PER_BATCH pages at a time, so memory stays bounded at
    any scale. The first batch continues the platform's random stream and every later batch
    has a stream of its own, so a platform of at most PAGES_PER_BATCH pages (every platform
    up to national scale) gets exactly the posts of one whole pass.
    """
    traits = _region_traits(seed)
    rng = _rng(seed, 2, period.year, period.month, PLATFORMS.index(platform))
    pages = registry["pages"].filter(pc.equal(registry["pages"].column("platform"), platform))
    orgs = registry["organizations"]
    org_pos = pc.index_in(pages.column("org_id"), value_set=orgs.column("org_id"))
    page_region = pc.index_in(orgs.column("region_code").take(org_pos), value_set=pa.array(traits["code"]))
    region_idx = page_region.to_numpy(zero_copy_only=False)
    diligence = traits["diligence"][region_idx]
    gov_mark = pages.column("gov_mark").to_numpy()
    n = pages.num_rows

    # page_stats: a few pages are missing, a few are not active, a few have no followers.
    observed = rng.random(n) >= _MISSING_STATS_SHARE
    active = rng.random(n) < 0.92 + 0.06 * diligence
    status = np.where(active, "active", np.array(_STATUSES)[rng.choice(4, n, p=(0.35, 0.1, 0.3, 0.25))])
    followers = np.rint(rng.lognormal(np.log(600) + 0.8 * diligence, 1.5, n)).astype(np.int64)
    followers[rng.random(n) < 0.02] = 0
    platform_mark = np.where(rng.random(n) < 0.97, gov_mark, ~gov_mark)
    observed_at = period.end_utc.timestamp() + rng.integers(3_600, 2 * 86_400, n)
    page_stats = pa.Table.from_arrays(
        [
            pages.column("page_id"),
            pages.column("platform"),
            pa.array([str(period)] * n, pa.string()),
            pa.array((observed_at * 1_000_000).astype(np.int64), pa.int64()).cast(
                SCHEMAS["page_stats"].field("observed_at").type
            ),
            pa.array(status),
            pa.array(followers, mask=~active),
            pa.array(platform_mark, mask=~active),
        ],
        schema=SCHEMAS["page_stats"],
    ).filter(pa.array(observed))

    # posts: only live pages publish; rates are heavy-tailed, some pages stay silent.
    rate = rng.lognormal(np.log(_POST_RATE[platform]) - 0.5, 1.0, n) * traits["activity"][region_idx]
    rate *= 0.5 + diligence
    rate[~active | ~observed | (rng.random(n) < _SILENT_SHARE)] = 0
    counts = rng.poisson(rate)
    first_post_id = rng.integers(1, 50_000, n)

    reach = rng.lognormal(np.log(0.2), 0.6, n)
    engagement = rng.lognormal(np.log(0.03), 0.5, n) * (0.7 + 0.6 * diligence)
    dialogue = traits["dialogue"][region_idx] * (0.15 if platform == "telegram" else 0.08)
    pages_of = {"page_id": pages.column("page_id"), "first_post_id": first_post_id, "followers": followers}
    pages_of |= {"reach": reach, "engagement": engagement, "dialogue": dialogue, "counts": counts}

    def batches() -> Iterator[pa.Table]:
        for batch, start in enumerate(range(0, max(n, 1), PAGES_PER_BATCH)):
            part = {k: v[start : start + PAGES_PER_BATCH] for k, v in pages_of.items()}
            stream = rng if batch == 0 else _rng(seed, 2, period.year, period.month, PLATFORMS.index(platform), batch)
            yield _posts(part, stream, platform, period)

    return page_stats, batches()


def _posts(pages: dict, rng: np.random.Generator, platform: str, period: Period) -> pa.Table:
    """The posts of a batch of pages (their arrays in ``pages``), drawn from ``rng``."""
    counts, followers = pages["counts"], pages["followers"]
    reach, engagement, dialogue = pages["reach"], pages["engagement"], pages["dialogue"]
    first_post_id = pages["first_post_id"]
    total = int(counts.sum())
    page_of_post = np.repeat(np.arange(len(counts)), counts)
    seq = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    period_seconds = int((period.end_utc - period.start_utc).total_seconds())
    expected_views = np.maximum(followers, 3)[page_of_post] * reach[page_of_post]
    views = rng.poisson(expected_views * rng.lognormal(-0.125, 0.5, total))
    interactions = views * engagement[page_of_post]
    likes = rng.poisson(interactions)
    comments = rng.poisson(interactions * dialogue[page_of_post])
    reposts = rng.poisson(interactions * 0.12)
    # MAX reports no reactions, forwards or comments: the contract carries them as null.
    unreported = np.full(total, platform == "max")
    published = period.start_utc.timestamp() + rng.random(total) * period_seconds
    return pa.Table.from_arrays(
        [
            pages["page_id"].take(pa.array(page_of_post)),
            pa.array([platform] * total, pa.string()) if total else pa.array([], pa.string()),
            _text("", first_post_id[page_of_post] + seq),
            pa.array((published * 1_000_000).astype(np.int64)).cast(SCHEMAS["posts"].field("published_at").type),
            pa.array(views.astype(np.int64)),
            pa.array(likes.astype(np.int64), mask=unreported),
            pa.array(comments.astype(np.int64), mask=unreported),
            pa.array(reposts.astype(np.int64), mask=unreported),
        ],
        schema=SCHEMAS["posts"],
    )


class DemoSource(WholePlatform):
    """The embedded default source: generated data, no tokens, no network."""

    name = "demo"

    def __init__(self, scale: int | None = None, seed: int | None = None, platforms: tuple[str, ...] = PLATFORMS):
        self.scale = NATIONAL_SCALE if scale is None else int(scale)
        self.seed = DEFAULT_SEED if seed is None else int(seed)
        self.platforms = tuple(platforms)  # the run's methodology's platforms
        if self.scale < 1:
            raise SettingsError(f"demo scale must be a positive number of organisations, not {scale!r}")

    def extract_registry(self, lake: RunLake, period: Period) -> dict[str, int]:
        tables = generate_registry(self.scale, self.seed, self.platforms)
        for name, table in tables.items():
            write_parquet(table, lake.raw_table(name))
        return {name: table.num_rows for name, table in tables.items()}

    def extract_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]:
        registry = {name: pq.read_table(lake.raw_table(name)) for name in ("organizations", "pages")}
        page_stats, posts = generate_platform_batches(registry, platform, period, self.seed)
        del registry
        write_parquet(page_stats, lake.raw_table("page_stats", platform))
        written = write_parquet_batches(posts, SCHEMAS["posts"], lake.raw_table("posts", platform))
        return {"page_stats": page_stats.num_rows, "posts": written}
