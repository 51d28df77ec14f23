"""The one declaration of the snapshot tables.

The DuckDB DDL, the PostgreSQL DDL, the ``COMMENT ON`` statements, the Arrow schemas that
publication writes and readers return, and the canonical order the hashes use are all
derived from :data:`TABLES`. Every table starts with ``snapshot_id``; ``key`` orders the
rows of one snapshot for hashing (and is the table's primary key with ``snapshot_id``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA = "snapshot"

# abstract type -> (DuckDB, PostgreSQL, Arrow)
TYPES: dict[str, tuple[str, str, pa.DataType]] = {
    "text": ("varchar", "text", pa.string()),
    "int": ("integer", "integer", pa.int32()),
    "bigint": ("bigint", "bigint", pa.int64()),
    "double": ("double", "double precision", pa.float64()),
    "bool": ("boolean", "boolean", pa.bool_()),
    "timestamptz": ("timestamptz", "timestamptz", pa.timestamp("us", tz="UTC")),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # "content": hashed into the content hash (what was rated, how, with what result);
    # "run": hashed into the chain hash only (how this publication happened).
    part: str = "content"
    # False: no primary key in the DuckDB file. For the big per-organisation and per-page
    # tables the ART index more than doubled the file and the publication time; their
    # keys are checked unique by the validation suites, and the hashes cover every row.
    duckdb_key: bool = True

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, TYPES[c.type][2], c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, type_: str, doc: str, nullable: bool = False) -> Column:
    return Column(name, type_, doc, nullable)


SNAPSHOT_ID = _c("snapshot_id", "text", "Snapshot this row belongs to (snapshot.runs.snapshot_id).")

RUNS = Table(
    "runs",
    "One row per published snapshot: what was rated, from which inputs, with which methodology and code; "
    "its version within the period and source; its content hash and its link in the warehouse's hash chain.",
    ("snapshot_id",),
    (
        _c("snapshot_id", "text", "Identifier: <period>-<source>-<publication time UTC>Z."),
        _c("period", "text", "Rated month, YYYY-MM (Moscow time)."),
        _c("source", "text", "Where the inputs came from: demo, files or live."),
        _c("is_demo", "bool", "True for the synthetic demo source: not a real rating."),
        _c("version", "int", "Version of this period and source: 1, 2, ... (newest = official)."),
        _c("supersedes", "text", "snapshot_id of the previous version of this period and source.", True),
        _c("methodology_version", "text", "Methodology file used (methodologies/<version>.toml)."),
        _c("methodology_sha256", "text", "sha256 of the methodology file's UTF-8 text."),
        _c("methodology_toml", "text", "The methodology file itself."),
        _c("page_stats_coverage", "double", "Registry pages with a page_stats row / registry pages."),
        _c("pages_count", "bigint", "Registry pages of the run."),
        _c("posts_count", "bigint", "Posts of the period in the run."),
        _c("published_at", "timestamptz", "When the snapshot was published."),
        _c("dag_run_id", "text", "Airflow run that published it."),
        _c("code_version", "text", "gospublic_rating package version that published it."),
        _c("code_commit", "text", "Git commit of the code, where known.", True),
        _c("lake_path", "text", "The run's folder relative to the data folder (lake/<period>/<run>)."),
        _c("seq", "bigint", "Position in this warehouse's hash chain: 1, 2, ... in publication order."),
        _c("content_hash", "text", "sha256 over the snapshot's content tables in canonical form (docs/warehouse.md)."),
        _c("previous_chain_hash", "text", "chain_hash of the snapshot at seq - 1 (null for the first).", True),
        _c("chain_hash", "text", "sha256 over previous_chain_hash, content_hash, this row and the validations."),
    ),
    part="special",
)
# Columns of runs that belong to the content (the rest describe the publication).
RUNS_CONTENT_COLUMNS = (
    "period",
    "source",
    "is_demo",
    "methodology_version",
    "methodology_sha256",
    "methodology_toml",
    "page_stats_coverage",
    "pages_count",
    "posts_count",
)
RUNS_HASH_COLUMNS = ("content_hash", "chain_hash")

ORGANIZATIONS = Table(
    "organizations",
    "The registry's obliged organisations of the run: the denominators of I1 and I4.",
    ("org_id",),
    (
        SNAPSHOT_ID,
        _c("org_id", "text", "Organisation id of the registry."),
        _c("region_code", "text", "Region of the organisation."),
        _c("org_name", "text", "Name of the organisation."),
        _c("org_kind", "text", "regional_authority, local_government or subordinate_institution."),
        _c("admin_qualified", "bool", "Has a confirmed, trained page administrator (I4); missing counts as false."),
        _c("pages_count", "bigint", "Registry pages of the organisation (0: no page at all)."),
    ),
    duckdb_key=False,
)

INDICATOR_DEFINITIONS = Table(
    "indicator_definitions",
    "The indicators of the methodology used, as its file defines them.",
    ("indicator",),
    (
        SNAPSHOT_ID,
        _c("indicator", "text", "Indicator id: I1...I8 (methodology v1), I1...I9 (v2)."),
        _c("block", "int", "Block of the rating: 1 (pages created and confirmed) or 2 (how they are run)."),
        _c("name", "text", "Short name used in the methodology file."),
        _c("name_ru", "text", "Name in Russian."),
        _c("name_en", "text", "Name in English."),
        _c("kind", "text", "share (score = 100 x value) or continuous (clipped and rescaled across regions)."),
        _c("weight", "double", "Weight of the indicator within its block."),
        _c("formula", "text", "How the value is computed, in words."),
    ),
)

INDICATORS = Table(
    "indicators",
    "Each region's value and score of each indicator, with what the value was computed from.",
    ("region_code", "indicator"),
    (
        SNAPSHOT_ID,
        _c("region_code", "text", "Region code."),
        _c("indicator", "text", "Indicator id, I1...I9 (snapshot.indicator_definitions)."),
        _c("block", "int", "Block of the indicator."),
        _c("value", "double", "Value of the indicator; null where the methodology says so.", True),
        _c("score", "double", "Score 0-100."),
        _c("numerator", "double", "Numerator of a share or sum behind I8; null for medians.", True),
        _c("denominator", "double", "Denominator, or the number of measurable pages for I6/I7.", True),
        _c("clip_low", "double", "Lower clip bound across regions (continuous indicators).", True),
        _c("clip_high", "double", "Upper clip bound across regions (continuous indicators).", True),
    ),
)

RANKING = Table(
    "ranking",
    "The rating: each region's block scores, total, points and place.",
    ("region_code",),
    (
        SNAPSHOT_ID,
        _c("region_code", "text", "Region code."),
        _c("region_name", "text", "Region name (Russian)."),
        _c("federal_district", "text", "Federal district.", True),
        _c("block1", "double", "Block 1 score: weighted sum of the block-1 scores (I1-I4; v2 also I9)."),
        _c("block2", "double", "Block 2 score: weighted sum of I5-I8 scores."),
        _c("total", "double", "block1_weight x block1 + block2_weight x block2."),
        _c("points", "double", "Total rounded half away from zero as the methodology says."),
        _c("place", "int", "Dense place by points, 1 = best; equal points share a place."),
    ),
)

PAGE_METRICS = Table(
    "page_metrics",
    "Every registry page with its flags and sums over the period: how each indicator was counted.",
    ("page_id",),
    (
        SNAPSHOT_ID,
        _c("page_id", "text", "Page id, <platform>:<platform_page_id>."),
        _c("org_id", "text", "Organisation of the page."),
        _c("region_code", "text", "Region of the organisation."),
        _c("platform", "text", "vk, ok, telegram or max."),
        _c("platform_page_id", "text", "The page's id or name on its platform."),
        _c("url", "text", "Web address of the page."),
        _c("status", "text", "Status observed in the period; null without a page_stats row.", True),
        _c("followers", "bigint", "Followers observed in the period.", True),
        _c("is_live", "bool", "Status is the methodology's live status."),
        _c("is_regular", "bool", "At least min_posts posts in the period."),
        _c("is_measurable", "bool", "Regular, followers > 0 and views > 0."),
        _c("gov_mark", "bool", "Page carries the government mark."),
        _c("pos_connected", "bool", "Page is connected to the feedback platform (POS)."),
        _c("posts_count", "bigint", "Posts in the period."),
        _c("views_total", "bigint", "Sum of views of those posts."),
        _c("likes_total", "bigint", "Sum of likes; null on a platform that reports none (max).", True),
        _c("comments_total", "bigint", "Sum of comments; null on a platform that reports none (max).", True),
        _c("reposts_total", "bigint", "Sum of reposts; null on a platform that reports none (max).", True),
        _c("reach_ratio", "double", "(views / posts) / followers of a measurable page (behind I6).", True),
        _c("engagement_ratio", "double", "(likes + comments + reposts) / views of a measurable page (I7).", True),
    ),
    duckdb_key=False,
)

INPUTS = Table(
    "inputs",
    "Manifest of the run's inputs: every raw Parquet file and landing archive, with rows and sha256.",
    ("path",),
    (
        SNAPSHOT_ID,
        _c("path", "text", "File path relative to the run's folder (runs.lake_path)."),
        _c("kind", "text", "raw (contract Parquet) or landing (archived API responses)."),
        _c("rows", "bigint", "Rows of a Parquet file; lines of a landing archive."),
        _c("bytes", "bigint", "File size in bytes."),
        _c("sha256", "text", "sha256 of the file's bytes."),
    ),
)

VALIDATIONS = Table(
    "validations",
    "The validation suites this snapshot passed (Great Expectations results kept in the run's evidence).",
    ("stage", "suite", "chunk"),
    (
        SNAPSHOT_ID,
        _c("stage", "text", "Validation stage: raw, staging, intermediate or marts."),
        _c("suite", "text", "Suite name, <stage>.<name>."),
        _c("chunk", "text", "Part of a frame validated separately (e.g. a platform), if any.", True),
        _c("success", "bool", "The suite passed."),
        _c("evaluated_expectations", "int", "Expectations evaluated."),
        _c("successful_expectations", "int", "Expectations met."),
        _c("rows_validated", "bigint", "Rows of the validated frame."),
        _c("result_path", "text", "GX result JSON, relative to the run's folder."),
    ),
    part="run",
)

# Canonical order: the order of the hashes, of publication, and of exports.
TABLES: tuple[Table, ...] = (
    RUNS,
    ORGANIZATIONS,
    INDICATOR_DEFINITIONS,
    INDICATORS,
    RANKING,
    PAGE_METRICS,
    INPUTS,
    VALIDATIONS,
)
BY_NAME = {t.name: t for t in TABLES}

LATEST_RANKING_DOC = "Ranking of the newest version of each period and source (the official one)."
LATEST_RANKING_SQL = f"""
create or replace view {SCHEMA}.latest_ranking as
select r.period, r.source, r.is_demo, r.version, k.*
from {SCHEMA}.ranking as k
join {SCHEMA}.runs as r on r.snapshot_id = k.snapshot_id
where r.version = (
    select max(v.version) from {SCHEMA}.runs as v where v.period = r.period and v.source = r.source
)
"""
RANKING_HISTORY_DOC = (
    "Place and points of every region in each published period and source, from the newest version of "
    "the period (the official one): the region's place history."
)
RANKING_HISTORY_SQL = f"""
create or replace view {SCHEMA}.ranking_history as
select period, source, region_code, region_name, place, points, version, snapshot_id
from {SCHEMA}.latest_ranking
"""
# The views, in creation order (ranking_history reads latest_ranking): name -> (doc, SQL).
VIEWS: dict[str, tuple[str, str]] = {
    "latest_ranking": (LATEST_RANKING_DOC, LATEST_RANKING_SQL),
    "ranking_history": (RANKING_HISTORY_DOC, RANKING_HISTORY_SQL),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_table_sql(table: Table, dialect: str) -> str:
    """``create table if not exists`` for ``dialect`` ("duckdb" or "postgres")."""
    index = 0 if dialect == "duckdb" else 1
    lines = [f"    {c.name} {TYPES[c.type][index]}{'' if c.nullable else ' not null'}" for c in table.columns]
    key = table.key if table.name == "runs" else ("snapshot_id", *table.key)
    nullable = {c.name for c in table.columns if c.nullable}
    indexed = table.duckdb_key or dialect != "duckdb"
    if indexed and not nullable & set(key):  # validations.chunk may be null: no primary key there
        lines.append(f"    primary key ({', '.join(key)})")
    return f"create table if not exists {SCHEMA}.{table.name} (\n" + ",\n".join(lines) + "\n)"


def comment_statements() -> list[str]:
    """``COMMENT ON`` every table, column and view (the same SQL works in both back ends)."""
    statements = []
    for table in TABLES:
        statements.append(f"comment on table {SCHEMA}.{table.name} is {_quote(table.doc)}")
        statements.extend(f"comment on column {SCHEMA}.{table.name}.{c.name} is {_quote(c.doc)}" for c in table.columns)
    statements.extend(f"comment on view {SCHEMA}.{name} is {_quote(doc)}" for name, (doc, _) in VIEWS.items())
    return statements


def ddl(dialect: str) -> list[str]:
    """Statements that create the snapshot schema, tables, views and comments when missing."""
    return [
        f"create schema if not exists {SCHEMA}",
        *(create_table_sql(t, dialect) for t in TABLES),
        *(sql for _, sql in VIEWS.values()),
        *comment_statements(),
    ]


def expected_columns() -> dict[str, list[str]]:
    return {t.name: t.column_names for t in TABLES}
