"""The warehouse: published, immutable ranking snapshots that auditors open.

Only :func:`publish` writes it, in one transaction (write-audit-publish: the run's tables
were written and checked in the lake; publication copies them in at once or not at all).
A snapshot is never updated or deleted; a new run of a period publishes a new snapshot,
and ``snapshot.latest_ranking`` shows the newest one of each period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .errors import NotRetryable
from .lake import RunLake
from .models import connect

SCHEMA_SQL = """
create schema if not exists snapshot;
create table if not exists snapshot.runs (
    snapshot_id varchar primary key,
    period varchar not null,
    methodology_version varchar not null,
    source varchar not null,
    is_demo boolean not null,
    published_at timestamptz not null,
    dag_run_id varchar not null unique,
    page_stats_coverage double not null,
    pages_count bigint not null,
    posts_count bigint not null,
    lake_path varchar not null,
    methodology_toml varchar not null
);
create table if not exists snapshot.indicators (
    snapshot_id varchar not null,
    region_code varchar not null,
    indicator varchar not null,
    block integer not null,
    value double,
    score double not null,
    numerator double,
    denominator double,
    clip_low double,
    clip_high double,
    primary key (snapshot_id, region_code, indicator)
);
create table if not exists snapshot.ranking (
    snapshot_id varchar not null,
    region_code varchar not null,
    region_name varchar not null,
    federal_district varchar,
    block1 double not null,
    block2 double not null,
    total double not null,
    points double not null,
    place integer not null,
    primary key (snapshot_id, region_code)
);
create table if not exists snapshot.page_metrics (
    snapshot_id varchar not null,
    page_id varchar not null,
    org_id varchar not null,
    region_code varchar not null,
    platform varchar not null,
    status varchar,
    followers bigint,
    is_live boolean not null,
    is_regular boolean not null,
    is_measurable boolean not null,
    gov_mark boolean not null,
    pos_connected boolean not null,
    posts_count bigint not null,
    views_total bigint not null,
    likes_total bigint not null,
    comments_total bigint not null,
    reposts_total bigint not null,
    reach_ratio double,
    engagement_ratio double,
    primary key (snapshot_id, page_id)
);
create table if not exists snapshot.validations (
    snapshot_id varchar not null,
    stage varchar not null,
    suite varchar not null,
    chunk varchar,
    success boolean not null,
    evaluated_expectations integer not null,
    successful_expectations integer not null,
    rows_validated bigint not null,
    result_path varchar not null
);
create or replace view snapshot.latest_ranking as
select r.period, r.source, r.is_demo, k.*
from snapshot.ranking as k
join snapshot.runs as r using (snapshot_id)
where r.published_at = (
    select max(published_at) from snapshot.runs as newer
    where newer.period = r.period and newer.source = r.source
);
"""

_COPY = {
    "indicators": ("marts", "indicators"),
    "ranking": ("marts", "ranking"),
    "page_metrics": ("intermediate", "int_page_metrics"),
}


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    period: str
    source: str
    regions: int
    already_published: bool = False


class WarehouseSchemaError(NotRetryable, RuntimeError):
    """The warehouse file was made by another version of the code."""


def _schema_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'snapshot' order by table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def check_schema(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Fail clearly when the existing snapshot tables differ from what this code writes."""
    expected_con = duckdb.connect()
    expected_con.execute(SCHEMA_SQL)
    expected = _schema_columns(expected_con)
    expected_con.close()
    actual = _schema_columns(con)
    differing = sorted(t for t in expected if t in actual and actual[t] != expected[t])
    if differing:
        raise WarehouseSchemaError(
            f"{warehouse}: snapshot table(s) {', '.join(differing)} have another layout than this version writes; "
            "published snapshots are never altered: migrate them deliberately or publish to a new warehouse "
            "(GOSPUBLIC_DATA_DIR)"
        )


class PublicationError(NotRetryable, RuntimeError):
    """The snapshot could not be published; nothing was written."""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'snapshot' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows]


def publish(
    warehouse: Path,
    lake: RunLake,
    *,
    period: str,
    source: str,
    dag_run_id: str,
    is_demo: bool,
    methodology_version: str,
    methodology_toml: str,
    volume: dict,
    validations: list[tuple],
    expected_regions: int,
    indicators_per_region: int,
    now: datetime | None = None,
) -> Snapshot:
    """Copy the run's indicators, ranking and page metrics into a new snapshot, atomically.

    ``volume`` holds the run's pages_count, posts_count and page_stats_coverage;
    ``validations`` one row per validated suite (stage, suite, chunk, success, evaluated,
    successful, rows, result path): the checks this snapshot passed.

    Publishing the same dag_run_id twice (a retried task) returns the existing snapshot.
    """
    published_at = now or datetime.now(UTC)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with connect(warehouse) as con:
        check_schema(con, warehouse)
        con.execute(SCHEMA_SQL)
        found = con.execute(
            "select snapshot_id, period, source from snapshot.runs where dag_run_id = ?", [dag_run_id]
        ).fetchall()
        if found:
            existing = found[0]
            regions = con.execute(
                "select count(*) from snapshot.ranking where snapshot_id = ?", [existing[0]]
            ).fetchall()[0][0]
            return Snapshot(existing[0], existing[1], existing[2], regions, already_published=True)
        snapshot_id = f"{period}-{source}-{published_at:%Y%m%dT%H%M%S}Z"
        if con.execute("select count(*) from snapshot.runs where snapshot_id = ?", [snapshot_id]).fetchall()[0][0]:
            snapshot_id += f"-{published_at:%f}"
        con.execute("begin transaction")
        try:
            con.execute(
                "insert into snapshot.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    snapshot_id,
                    period,
                    methodology_version,
                    source,
                    is_demo,
                    published_at,
                    dag_run_id,
                    volume["page_stats_coverage"],
                    volume["pages_count"],
                    volume["posts_count"],
                    str(lake.root),
                    methodology_toml,
                ],
            )
            con.executemany(
                "insert into snapshot.validations values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(snapshot_id, *row) for row in validations],
            )
            for table, (layer, model) in _COPY.items():
                columns = [c for c in _columns(con, table) if c != "snapshot_id"]
                path = lake.layer(layer) / f"{model}.parquet"
                con.execute(
                    f"insert into snapshot.{table} (snapshot_id, {', '.join(columns)}) "
                    f"select ?, {', '.join(columns)} from read_parquet(?)",
                    [snapshot_id, str(path)],
                )
            regions = con.execute(
                "select count(*) from snapshot.ranking where snapshot_id = ?", [snapshot_id]
            ).fetchall()[0][0]
            indicator_rows = con.execute(
                "select count(*) from snapshot.indicators where snapshot_id = ?", [snapshot_id]
            ).fetchall()[0][0]
            expected_indicator_rows = indicators_per_region * expected_regions
            if regions != expected_regions or indicator_rows != expected_indicator_rows:
                raise PublicationError(
                    f"snapshot {snapshot_id} would hold {regions} ranked regions and {indicator_rows} "
                    f"indicator rows; expected {expected_regions} and {expected_indicator_rows}"
                )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        stored = con.execute("select count(*) from snapshot.runs where snapshot_id = ?", [snapshot_id]).fetchall()[0][0]
        if stored != 1:
            raise PublicationError(f"snapshot {snapshot_id} was not stored (commit persisted nothing)")
    return Snapshot(snapshot_id, period, source, regions)
