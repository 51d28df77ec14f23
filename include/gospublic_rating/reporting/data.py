"""Everything the report reads from the warehouse (and, for now, from the run's lake folder).

The only module of :mod:`gospublic_rating.reporting` that knows the snapshot's tables:
plain SQL over ``snapshot.*`` returning simple dataclasses. Organisation names and kinds,
``admin_qualified`` and page ids on the platform are not in the snapshot yet; they are read
from the run's raw registry files (``snapshot.runs.lake_path`` → ``raw/organizations.parquet``,
``raw/pages.parquet``) until the snapshot carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ..lake import data_dir
from ..models import connect
from ..period import Period
from ..report import SnapshotNotFound

# Russian names of the indicators of methodology v1 (docs/methodology.md, §5).
INDICATOR_NAMES_RU = {
    "I1": "Наличие страниц",
    "I2": "Отметка «Госорганизация»",
    "I3": "Подключение к ПОС",
    "I4": "Обученные администраторы",
    "I5": "Регулярность публикаций",
    "I6": "Охват",
    "I7": "Вовлечённость",
    "I8": "Диалог",
}
# The groups of «Что исправить»: what is wrong, and the indicator a fix raises.
FIX_GROUPS = {
    "no_page": ("Нет живой страницы на обязательной площадке", "I1"),
    "no_mark": ("Страница без отметки «Госорганизация»", "I2"),
    "no_pos": ("Страница не подключена к ПОС", "I3"),
    "no_admin": ("Нет обученного администратора", "I4"),
    "irregular": ("Нерегулярная страница", "I5"),
}
PAGE_LINKS = {"vk": "https://vk.com/club{}", "ok": "https://ok.ru/group/{}", "telegram": "https://t.me/{}"}


@dataclass(frozen=True)
class Run:
    snapshot_id: str
    period: str
    source: str
    is_demo: bool
    methodology_version: str
    published_at: datetime
    page_stats_coverage: float
    pages_count: int
    posts_count: int
    lake_path: str
    methodology_toml: str


@dataclass(frozen=True)
class Indicator:
    indicator: str
    block: int
    value: float | None
    score: float
    numerator: float | None
    denominator: float | None
    clip_low: float | None
    clip_high: float | None


@dataclass
class Region:
    region_code: str
    region_name: str
    federal_district: str
    block1: float
    block2: float
    total: float
    points: float
    place: int
    shared: bool
    previous_place: int | None = None
    indicators: dict[str, Indicator] = field(default_factory=dict)
    history: list[tuple[str, int, float]] = field(default_factory=list)  # (period, place, points)


@dataclass(frozen=True)
class Check:
    stage: str
    suite: str
    chunk: str | None
    success: bool
    evaluated: int
    successful: int
    rows: int


@dataclass(frozen=True)
class FixItem:
    region_code: str
    group: str
    org_id: str
    org_name: str
    org_kind: str
    platform: str | None
    page_id: str | None
    link: str | None


@dataclass
class Report:
    run: Run
    regions: list[Region]
    previous_snapshot_id: str | None
    checks: list[Check]
    fix_counts: dict[tuple[str, str], int]  # (region, group) -> items
    fixed_values: dict[tuple[str, str], dict[str, float | None]]  # (region, group) -> indicator -> value


def open_warehouse(warehouse: Path):
    if not warehouse.exists():
        raise SnapshotNotFound(f"{warehouse}: no warehouse yet; nothing has been published")
    return connect(warehouse, read_only=True)


def resolve(con: duckdb.DuckDBPyConnection, ref: str | None) -> str:
    """The snapshot id of ``ref``: a snapshot id, or a period (its newest snapshot), or the newest of all."""
    row = con.execute(
        "select snapshot_id from snapshot.runs where $ref is null or snapshot_id = $ref or period = $ref "
        "order by snapshot_id = $ref desc, published_at desc limit 1",
        {"ref": ref},
    ).fetchall()
    if not row:
        raise SnapshotNotFound(f"no snapshot {ref or ''}".rstrip())
    return row[0][0]


def _run(con, snapshot_id: str) -> Run:
    return Run(
        *con.execute(
            "select snapshot_id, period, source, is_demo, methodology_version, published_at, "
            "page_stats_coverage, pages_count, posts_count, lake_path, methodology_toml "
            "from snapshot.runs where snapshot_id = ?",
            [snapshot_id],
        ).fetchall()[0]
    )


def lake_root(run: Run) -> Path:
    path = Path(run.lake_path)
    return path if path.is_absolute() else data_dir() / path


def load(warehouse: Path, ref: str | None) -> Report:
    with open_warehouse(warehouse) as con:
        snapshot_id = resolve(con, ref)
        run = _run(con, snapshot_id)
        regions = {
            row[0]: Region(*row)
            for row in con.execute(
                "select region_code, region_name, coalesce(federal_district, ''), block1, block2, total, points, "
                "place, count(*) over (partition by place) > 1 from snapshot.ranking where snapshot_id = ? "
                "order by place, region_code",
                [snapshot_id],
            ).fetchall()
        }
        for code, *values in con.execute(
            "select region_code, indicator, block, value, score, numerator, denominator, clip_low, clip_high "
            "from snapshot.indicators where snapshot_id = ? order by region_code, indicator",
            [snapshot_id],
        ).fetchall():
            regions[code].indicators[values[0]] = Indicator(*values)
        previous = con.execute(
            "select snapshot_id from snapshot.runs where period = ? and source = ? order by published_at desc limit 1",
            [str(Period.parse(run.period).previous()), run.source],
        ).fetchall()
        previous_id = previous[0][0] if previous else None
        if previous_id:
            for code, place in con.execute(
                "select region_code, place from snapshot.ranking where snapshot_id = ?", [previous_id]
            ).fetchall():
                if code in regions:
                    regions[code].previous_place = place
        for code, period, place, points in _history(con, run):
            if code in regions:
                regions[code].history.append((period, place, points))
        checks = [
            Check(*row)
            for row in con.execute(
                "select stage, suite, chunk, success, evaluated_expectations, successful_expectations, "
                "rows_validated from snapshot.validations where snapshot_id = ? order by stage, suite, chunk",
                [snapshot_id],
            ).fetchall()
        ]
        counts, fixed = _fix_summary(con, run)
    return Report(run, list(regions.values()), previous_id, checks, counts, fixed)


def _history(con, run: Run) -> list[tuple]:
    """Places of every region over the published periods up to the report's, same source."""
    try:
        return con.execute(
            "select region_code, period, place, points from snapshot.ranking_history "
            "where source = ? and period <= ? order by period",
            [run.source, run.period],
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse written before the view existed
        return []


def history(warehouse: Path, region: str | None = None) -> list[tuple]:
    """(period, source, region_code, region_name, place, points, snapshot_id) rows of ranking_history."""
    with open_warehouse(warehouse) as con:
        if not con.execute("select 1 from duckdb_views() where view_name = 'ranking_history'").fetchall():
            raise SnapshotNotFound(f"{warehouse}: no view snapshot.ranking_history yet (made by the next publication)")
        return con.execute(
            "select period, source, region_code, region_name, place, points, snapshot_id "
            "from snapshot.ranking_history where $region is null or region_code = $region "
            "or region_name ilike '%' || $region || '%' order by region_code, source, period",
            {"region": region},
        ).fetchall()


def _attach_registry(con, run: Run) -> bool:
    """Views ``orgs`` and ``page_links`` over the run's raw registry; False when the lake is gone."""
    raw = lake_root(run) / "raw"
    orgs, pages = raw / "organizations.parquet", raw / "pages.parquet"
    if not (orgs.exists() and pages.exists()):
        return False
    con.execute(
        "create or replace temp table orgs as select org_id, region_code, org_name, org_kind, "
        "coalesce(admin_qualified, false) as admin_qualified from read_parquet(?)",
        [str(orgs)],
    )
    con.execute(
        "create or replace temp table page_links as select page_id, platform_page_id from read_parquet(?)",
        [str(pages)],
    )
    return True


def _mandatory(run: Run) -> list[str]:
    from ..methodology import parse

    return list(parse(run.methodology_version, run.methodology_toml).mandatory_platforms)


# One row per (region, group, organisation, page) that costs the region points.
_FIX_ITEMS_SQL = """
with pm as (select * from snapshot.page_metrics where snapshot_id = $snapshot),
need as (select o.*, p.platform from orgs as o cross join unnest($mandatory::varchar[]) as p(platform)),
missing as (
    select n.region_code, 'no_page' as grp, n.org_id, n.platform, null::varchar as page_id
    from need as n
    where not exists (
        select 1 from pm where pm.org_id = n.org_id and pm.platform = n.platform and pm.is_live
    )
),
items as (
    select * from missing
    union all
    select region_code, 'no_mark', org_id, platform, page_id from pm
    where is_live and list_contains($mandatory::varchar[], platform) and not gov_mark
    union all
    select region_code, 'no_pos', org_id, platform, page_id from pm
    where is_live and list_contains($mandatory::varchar[], platform) and not pos_connected
    union all
    select region_code, 'no_admin', org_id, null, null from orgs where not admin_qualified
    union all
    select region_code, 'irregular', org_id, platform, page_id from pm where is_live and not is_regular
)
"""


def _fix_summary(con, run: Run):
    """Items per (region, group), and each region's indicator values with one group fixed.

    A fix changes only what its group is about: every organisation present on every
    mandatory platform (I1 = 1), every live mandatory page marked (I2 = 1) or connected
    (I3 = 1), every administrator trained (I4 = 1), or every live page regular (I5 = 1; the
    pages that become regular and have followers and views join the I6/I7 medians with their
    own reach and engagement ratios).
    """
    if not _attach_registry(con, run):
        return {}, {}
    params = {"snapshot": run.snapshot_id, "mandatory": _mandatory(run)}
    counts = {
        (code, group): n
        for code, group, n in con.execute(
            _FIX_ITEMS_SQL
            + "select region_code, grp, count(distinct coalesce(page_id, org_id)) from items group by all",
            params,
        ).fetchall()
    }
    fixed: dict[tuple[str, str], dict[str, float | None]] = {}
    for code, group, *_ in counts:
        fixed[(code, group)] = {FIX_GROUPS[group][1]: 1.0}
    medians = con.execute(
        """
        select region_code,
            median(case when is_measurable then reach_ratio else (views_total / posts_count) / followers end),
            median(case when is_measurable then engagement_ratio
                        else (likes_total + comments_total + reposts_total) / views_total end)
        from snapshot.page_metrics
        where snapshot_id = $snapshot and is_live
          and (is_measurable or (not is_regular and coalesce(followers, 0) > 0 and views_total > 0))
        group by region_code
        """,
        {"snapshot": run.snapshot_id},
    ).fetchall()
    for code, reach, engagement in medians:
        if (code, "irregular") in fixed:
            fixed[(code, "irregular")].update({"I6": reach, "I7": engagement})
    return counts, fixed


def fix_items(warehouse: Path, ref: str | None, region: str | None = None) -> list[FixItem]:
    """Every organisation and page that costs its region points (all regions, or one)."""
    with open_warehouse(warehouse) as con:
        snapshot_id = resolve(con, ref)
        run = _run(con, snapshot_id)
        if not _attach_registry(con, run):
            return []
        rows = con.execute(
            _FIX_ITEMS_SQL
            + """
            select i.region_code, i.grp, i.org_id, o.org_name, o.org_kind, i.platform, i.page_id,
                   l.platform_page_id
            from items as i join orgs as o using (org_id) left join page_links as l using (page_id)
            where $region is null or i.region_code = $region
            order by i.region_code, i.grp, o.org_name, i.org_id, i.platform
            """,
            {"snapshot": run.snapshot_id, "mandatory": _mandatory(run), "region": region},
        ).fetchall()
    return [
        FixItem(code, group, org_id, name, kind, platform, page_id, _link(platform, platform_page_id))
        for code, group, org_id, name, kind, platform, page_id, platform_page_id in rows
    ]


def _link(platform: str | None, platform_page_id: str | None) -> str | None:
    if not platform or not platform_page_id or platform not in PAGE_LINKS:
        return None
    if platform == "vk" and not platform_page_id.isdigit():
        return f"https://vk.com/{platform_page_id}"
    return PAGE_LINKS[platform].format(platform_page_id.lstrip("@"))
