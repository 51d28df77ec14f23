"""Everything the report reads from a published snapshot.

The only module of :mod:`gospublic_rating.reporting` that knows the snapshot's tables. It
reads them with :func:`warehouse.open_reader` (the DuckDB file or PostgreSQL alike; the run's
lake folder is never needed); a missing warehouse, snapshot or region is :class:`SnapshotNotFound`.
:func:`load` (HTML, XLSX, CSV) reads into an in-memory DuckDB under the same schema name, so
the SQL below, and the views as :mod:`warehouse.schema` declares them, run unchanged whatever
the back end; its results come back as simple dataclasses. :func:`load_ranking` (the text
form) reads just a snapshot's runs and ranking rows, as the reader returns them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from .. import warehouse
from ..methodology import Indicator as Definition
from ..methodology import parse
from ..models import connect
from ..period import Period
from ..warehouse import duckdb_file
from ..warehouse.schema import BY_NAME, SCHEMA, VIEWS

# The groups of «Что исправить»: what is wrong, and the indicator a fix raises
# (docs/methodology.md §12).
FIX_GROUPS = {
    "no_page": ("Нет живой страницы на обязательной площадке", "I1"),
    "no_mark": ("Страница без отметки «Госорганизация»", "I2"),
    "no_pos": ("Страница не подключена к ПОС", "I3"),
    "no_admin": ("Нет обученного администратора", "I4"),
    "irregular": ("Нерегулярная страница", "I5"),
}
# The tables the views read; the report reads them for every snapshot (small), the rest for its own.
_ATTACHED = "published"  # the DuckDB warehouse file, attached read-only
_ALL_SNAPSHOTS = ("runs", "ranking")
_OWN_SNAPSHOT = ("indicators", "indicator_definitions", "validations", "organizations", "page_metrics")


class SnapshotNotFound(LookupError):
    """No warehouse, or no published snapshot (or region) that matches what was asked for."""


@dataclass(frozen=True)
class Run:
    snapshot_id: str
    period: str
    source: str
    is_demo: bool
    version: int
    methodology_version: str
    published_at: datetime
    page_stats_coverage: float
    pages_count: int
    posts_count: int
    content_hash: str
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


# The columns of the full «Что исправить» lists (an Arrow table: 325,000 rows at national scale
# go to the XLSX writer without becoming Python objects).
FIX_ITEM_COLUMNS = ("region_code", "grp", "org_id", "org_name", "org_kind", "platform", "page_id", "link")


@dataclass
class Report:
    run: Run
    definitions: tuple[Definition, ...]  # snapshot.indicator_definitions, in indicator order
    regions: list[Region]
    previous_snapshot_id: str | None
    checks: list[Check]
    fix_counts: dict[tuple[str, str], int]  # (region, group) -> items
    fixed_values: dict[tuple[str, str], dict[str, float | None]]  # (region, group) -> indicator -> value
    fix_items: pa.Table | None = None  # the full lists (FIX_ITEM_COLUMNS), when asked for


@contextlib.contextmanager
def _open_reader(where: str | Path | None) -> Iterator:
    """:func:`warehouse.open_reader` of ``where``, a missing warehouse being :class:`SnapshotNotFound`."""
    try:
        with warehouse.open_reader(where) as reader:
            yield reader
    except warehouse.WarehouseMissing as error:
        raise SnapshotNotFound(str(error)) from None


@contextlib.contextmanager
def _snapshot_connection(where: str | Path | None, ref: str | None = None, own: bool = True) -> Iterator[tuple]:
    """(in-memory DuckDB with a ``snapshot`` schema, snapshot id of ``ref``): runs and ranking of every
    snapshot (for the views), and, when ``own``, the other tables of the snapshot ``ref`` only; views
    over a DuckDB warehouse file, copies of a PostgreSQL warehouse's rows (:func:`_snapshot_table`)."""
    with _open_reader(where) as reader, connect() as con:
        con.execute(f"create schema {SCHEMA}")
        if isinstance(reader, duckdb_file.Reader):
            con.execute(f"attach ? as {_ATTACHED} (read_only)", [reader.location])
        for name in _ALL_SNAPSHOTS:
            _snapshot_table(con, reader, name)
        snapshot_id = _resolve(con, ref)
        for name in _OWN_SNAPSHOT if own else ():
            _snapshot_table(con, reader, name, snapshot_id)
        for _, sql in VIEWS.values():
            con.execute(sql)
        yield con, snapshot_id


def _snapshot_table(con: duckdb.DuckDBPyConnection, reader, name: str, snapshot_id: str | None = None) -> None:
    """``snapshot.<name>`` in ``con`` (of the snapshot ``snapshot_id``, or of all): a view over the
    DuckDB warehouse file attached read-only (nothing is copied: at ten times the nation the
    snapshot's pages alone are 0.6 GB), or a copy of what a PostgreSQL warehouse returned."""
    if isinstance(reader, duckdb_file.Reader) and duckdb_file.has_table(reader.con, name):
        columns = ", ".join(BY_NAME[name].column_names)
        where = "" if snapshot_id is None else " where snapshot_id = '" + snapshot_id.replace("'", "''") + "'"
        con.execute(f"create view {SCHEMA}.{name} as select {columns} from {_ATTACHED}.{SCHEMA}.{name}{where}")
        return
    con.register("incoming", reader.read(name, snapshot_id))
    try:
        con.execute(f"create table {SCHEMA}.{name} as select * from incoming")
    finally:
        con.unregister("incoming")


def _resolve(con: duckdb.DuckDBPyConnection, ref: str | None) -> str | None:
    """The snapshot id of ``ref``: a snapshot id, or a period (its newest snapshot), or the newest of all;
    None when nothing is published."""
    row = con.execute(
        f"select snapshot_id from {SCHEMA}.runs where $ref is null or snapshot_id = $ref or period = $ref "
        "order by snapshot_id = $ref desc, published_at desc limit 1",
        {"ref": ref},
    ).fetchall()
    if row:
        return row[0][0]
    if ref is None:
        return None
    raise SnapshotNotFound(f"no snapshot {ref}")


def load(where: str | Path | None, ref: str | None, items: bool = False, region: str | None = None) -> Report:
    """The report's data of snapshot ``ref`` in the warehouse ``where`` (None: the configured one).

    ``items``: also the full «Что исправить» lists (of ``region`` only, where given).
    """
    with _snapshot_connection(where, ref) as (con, snapshot_id):
        if snapshot_id is None:
            raise SnapshotNotFound("nothing has been published yet")
        run = Run(
            *con.execute(
                "select snapshot_id, period, source, is_demo, version, methodology_version, published_at, "
                "page_stats_coverage, pages_count, posts_count, content_hash, methodology_toml "
                f"from {SCHEMA}.runs where snapshot_id = ?",
                [snapshot_id],
            ).fetchone()
        )
        definitions = tuple(
            Definition(id_, block, name, kind, weight, name_ru, name_en, formula)
            for id_, block, name, kind, weight, name_ru, name_en, formula in con.execute(
                f"select indicator, block, name, kind, weight, name_ru, name_en, formula "
                f"from {SCHEMA}.indicator_definitions order by indicator"
            ).fetchall()
        )
        regions = {
            row[0]: Region(*row)
            for row in con.execute(
                "select region_code, region_name, coalesce(federal_district, ''), block1, block2, total, points, "
                f"place, count(*) over (partition by place) > 1 from {SCHEMA}.ranking where snapshot_id = ? "
                "order by place, region_code",
                [snapshot_id],
            ).fetchall()
        }
        for code, *values in con.execute(
            "select region_code, indicator, block, value, score, numerator, denominator, clip_low, clip_high "
            f"from {SCHEMA}.indicators order by region_code, indicator"
        ).fetchall():
            regions[code].indicators[values[0]] = Indicator(*values)
        previous = con.execute(
            f"select distinct snapshot_id from {SCHEMA}.latest_ranking where period = ? and source = ?",
            [str(Period.parse(run.period).previous()), run.source],
        ).fetchall()
        previous_id = previous[0][0] if previous else None
        for code, place in con.execute(
            f"select region_code, place from {SCHEMA}.ranking where snapshot_id = ?", [previous_id]
        ).fetchall():
            if code in regions:
                regions[code].previous_place = place
        for code, period, place, points in con.execute(
            f"select region_code, period, place, points from {SCHEMA}.ranking_history "
            "where source = ? and period <= ? order by period",
            [run.source, run.period],
        ).fetchall():
            if code in regions:
                regions[code].history.append((period, place, points))
        checks = [
            Check(*row)
            for row in con.execute(
                "select stage, suite, chunk, success, evaluated_expectations, successful_expectations, "
                f"rows_validated from {SCHEMA}.validations order by stage, suite, chunk"
            ).fetchall()
        ]
        mandatory = list(parse(run.methodology_version, run.methodology_toml).mandatory_platforms)
        con.execute(f"create temp table fix_items as {_FIX_ITEMS_SQL}", {"mandatory": mandatory})
        counts, fixed = _fix_summary(con)
        listed = _fix_items(con, region) if items else None
    return Report(run, definitions, list(regions.values()), previous_id, checks, counts, fixed, listed)


def load_ranking(
    where: str | Path | None,
    snapshot_id: str | None = None,
    period: str | None = None,
    dag_run_id: str | None = None,
) -> tuple[dict, list[dict], str]:
    """(runs row, its ranking rows, the warehouse's location as shown) of a snapshot of the warehouse
    ``where`` (None: the configured one): ``snapshot_id``, or the one published by the DAG run
    ``dag_run_id``, or else the newest (of ``period``, where given)."""
    with _open_reader(where) as reader:
        runs = [
            r
            for r in reader.read("runs").to_pylist()
            if snapshot_id in (None, r["snapshot_id"])
            and period in (None, r["period"])
            and dag_run_id in (None, r["dag_run_id"])
        ]
        if not runs:
            wanted = f"of DAG run {dag_run_id}" if dag_run_id else snapshot_id or period or ""
            raise SnapshotNotFound(f"{reader.location}: no snapshot {wanted}".rstrip())
        run = max(runs, key=lambda r: (r["published_at"], r["seq"]))
        return run, reader.read("ranking", run["snapshot_id"]).to_pylist(), reader.location


def history(where: str | Path | None, region: str | None = None) -> list[tuple]:
    """(period, source, region_code, region_name, place, points, version) rows of snapshot.ranking_history,
    of every region or those whose code is ``region`` or whose name contains it."""
    with _snapshot_connection(where, own=False) as (con, _):
        return con.execute(
            "select period, source, region_code, region_name, place, points, version "
            f"from {SCHEMA}.ranking_history where $region is null or region_code = $region "
            "or region_name ilike '%' || $region || '%' order by region_code, source, period",
            {"region": region},
        ).fetchall()


# One row per (region, group, organisation, page) that costs the region points; the
# snapshot's own tables only (the connection holds no other snapshot's). Made once per report
# (the temporary table fix_items), then counted and listed.
_FIX_ITEMS_SQL = f"""
with pm as (select * from {SCHEMA}.page_metrics),
orgs as (select * from {SCHEMA}.organizations),
need as (select o.*, p.platform from orgs as o cross join unnest($mandatory::varchar[]) as p(platform))
select n.region_code, 'no_page' as grp, n.org_id, n.platform, null::varchar as page_id, null::varchar as link
from need as n
where not exists (select 1 from pm where pm.org_id = n.org_id and pm.platform = n.platform and pm.is_live)
union all
select region_code, 'no_mark', org_id, platform, page_id, url from pm
where is_live and list_contains($mandatory::varchar[], platform) and not gov_mark
union all
select region_code, 'no_pos', org_id, platform, page_id, url from pm
where is_live and list_contains($mandatory::varchar[], platform) and not pos_connected
union all
select region_code, 'no_admin', org_id, null, null, null from orgs where not admin_qualified
union all
select region_code, 'irregular', org_id, platform, page_id, url from pm where is_live and not is_regular
"""


def _fix_summary(con: duckdb.DuckDBPyConnection):
    """Items per (region, group), and each region's indicator values with one group fixed.

    A fix changes only what its group is about: every organisation present on every
    mandatory platform (I1 = 1), every live mandatory page marked (I2 = 1) or connected
    (I3 = 1), every administrator trained (I4 = 1), or every live page regular (I5 = 1; the
    pages that become regular and have followers and views join the I6/I7 medians with their
    own reach and engagement ratios).
    """
    counts = {
        (code, group): n
        for code, group, n in con.execute(
            "select region_code, grp, count(distinct coalesce(page_id, org_id)) from fix_items group by all"
        ).fetchall()
    }
    fixed: dict[tuple[str, str], dict[str, float | None]] = {}
    for code, group in counts:
        fixed[(code, group)] = {FIX_GROUPS[group][1]: 1.0}
    medians = con.execute(
        f"""
        select region_code,
            median(case when is_measurable then reach_ratio else (views_total / posts_count) / followers end),
            median(case when is_measurable then engagement_ratio
                        else (likes_total + comments_total + reposts_total) / views_total end)
        from {SCHEMA}.page_metrics
        where is_live and (is_measurable or (not is_regular and coalesce(followers, 0) > 0 and views_total > 0))
        group by region_code
        """
    ).fetchall()
    for code, reach, engagement in medians:
        if (code, "irregular") in fixed:
            fixed[(code, "irregular")].update({"I6": reach, "I7": engagement})
    return counts, fixed


# Rows of the «Что исправить» lists sorted at a time: ten times the nation lists 3.2 million,
# whose sort at once took 1.3 GB; a few passes over consecutive regions keep to about a fifth.
_ITEMS_PER_PASS = 600_000


def _fix_items(con: duckdb.DuckDBPyConnection, region: str | None) -> pa.Table:
    """Every organisation and page that costs its region points (all regions, or one), ordered by
    region, group, organisation name; sorted in passes over consecutive regions."""
    counts = con.execute(
        "select region_code, count(*) from fix_items where $region::varchar is null or region_code = $region "
        "group by all order by region_code",
        {"region": region},
    ).fetchall()
    passes: list[list[str]] = [[]]
    size = 0
    for code, rows in counts:
        if passes[-1] and size + rows > _ITEMS_PER_PASS:
            passes.append([])
            size = 0
        passes[-1].append(code)
        size += rows
    sql = f"""
        select i.region_code, i.grp, i.org_id, o.org_name, o.org_kind, i.platform, i.page_id, i.link
        from fix_items as i join {SCHEMA}.organizations as o using (org_id)
        where list_contains($codes, i.region_code) and list_contains($codes, o.region_code)
        order by i.region_code, i.grp, o.org_name, i.org_id, i.platform
        """
    parts = [con.sql(sql, params={"codes": codes}).to_arrow_table() for codes in passes]
    return pa.concat_tables(parts)
