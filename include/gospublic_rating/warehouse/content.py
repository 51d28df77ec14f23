"""A snapshot's tables, built from the run's lake as Arrow: the data, the manifest of inputs,
the methodology's definitions and the code version. No absolute path of the machine goes
in: paths are relative to the data folder (the run's folder) or to the run's folder (files).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..lake import PROJECT_ROOT, RunLake, data_dir
from ..methodology import Methodology
from ..models import attach_parquet, connect
from ..platforms import PLATFORMS
from .schema import BY_NAME, RUNS, RUNS_CONTENT_COLUMNS

PACKAGE = "gospublic-rating"

# Web address of a page from its platform id (the forms intake.normalise_page_url reads): the
# prefixes of each platform come from the platform registry (platform_urls, registered below).
_PAGES_SQL = """
select
    m.page_id, m.org_id, m.region_code, m.platform, p.platform_page_id,
    case
        when regexp_full_match(p.platform_page_id, '-?[0-9]+') then u.id_prefix
        else u.name_prefix
    end || p.platform_page_id as url,
    m.status, m.followers, m.is_live, m.is_regular, m.is_measurable, m.gov_mark, m.pos_connected,
    m.posts_count, m.views_total, m.likes_total, m.comments_total, m.reposts_total,
    m.reach_ratio, m.engagement_ratio
from metrics as m
join pages as p using (page_id)
left join platform_urls as u on u.platform = m.platform
"""
_ORGANIZATIONS_SQL = """
select o.org_id, o.region_code, o.org_name, o.org_kind, o.admin_qualified,
       coalesce(p.pages_count, 0) as pages_count
from organizations as o
left join (select org_id, count(page_id) as pages_count from pages group by org_id) as p using (org_id)
"""


@dataclass(frozen=True)
class Content:
    """A snapshot before it has an id: its runs row (content and run columns known so far)
    and its other tables, each without the snapshot_id column."""

    run: dict
    tables: dict[str, pa.Table]


def _platform_urls() -> pa.Table:
    """platform, id_prefix, name_prefix: how each platform's page addresses are written."""
    records = PLATFORMS.values()
    return pa.table(
        {
            "platform": [p.name for p in records],
            "id_prefix": [p.url_prefixes[0] for p in records],
            "name_prefix": [p.url_prefixes[1] for p in records],
        }
    )


def relative_to_data(path: Path) -> str:
    """``path`` relative to the data folder, with / separators."""
    return Path(os.path.relpath(path.resolve(), data_dir().resolve())).as_posix()


def _conform(name: str, data: pa.Table) -> pa.Table:
    """Select and cast ``data`` to the declared columns of ``name`` (without snapshot_id)."""
    fields = [f for f in BY_NAME[name].arrow_schema if f.name != "snapshot_id"]
    return data.select([f.name for f in fields]).cast(pa.schema([pa.field(f.name, f.type) for f in fields]))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return sum(1 for _ in handle)


def inputs_manifest(lake: RunLake, kinds: tuple[str, ...] = ("raw", "landing")) -> pa.Table:
    """Every raw Parquet file and landing archive of the run: path in the run, rows, bytes, sha256."""
    rows = []
    for kind in kinds:
        folder = lake.layer(kind)
        if not folder.exists():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            rows.append(
                {
                    "path": path.relative_to(lake.root).as_posix(),
                    "kind": kind,
                    "rows": _rows(path),
                    "bytes": path.stat().st_size,
                    "sha256": file_sha256(path),
                }
            )
    return _conform("inputs", pa.Table.from_pylist(rows, schema=_schema_without_id("inputs")))


def _schema_without_id(name: str) -> pa.Schema:
    return pa.schema([f for f in BY_NAME[name].arrow_schema if f.name != "snapshot_id"])


def indicator_definitions(methodology: Methodology) -> pa.Table:
    rows = [
        {
            "indicator": i.id,
            "block": i.block,
            "name": i.name,
            "name_ru": i.name_ru,
            "name_en": i.name_en,
            "kind": i.kind,
            "weight": i.weight,
            "formula": i.formula,
        }
        for i in methodology.indicators
    ]
    return pa.Table.from_pylist(rows, schema=_schema_without_id("indicator_definitions"))


def run_content(period: str, source: str, is_demo: bool, methodology: Methodology, volume: dict) -> dict:
    """The columns of a ``runs`` row that describe its content (what the content hash covers of it)."""
    return {
        "period": period,
        "source": source,
        "is_demo": is_demo,
        "methodology_version": methodology.version,
        "methodology_sha256": hashlib.sha256(methodology.toml_text.encode("utf-8")).hexdigest(),
        "methodology_toml": methodology.toml_text,
        "page_stats_coverage": float(volume["page_stats_coverage"]),
        "pages_count": int(volume["pages_count"]),
        "posts_count": int(volume["posts_count"]),
    }


def code_version() -> tuple[str, str | None]:
    """(package version, git commit or None)."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "unpackaged"
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return version, commit or None


def validations_table(lake: RunLake, validations: list[tuple]) -> pa.Table:
    """The validations rows; result paths made relative to the run's folder."""
    root = lake.root.resolve()
    rows = []
    for stage, suite, chunk, success, evaluated, successful, rows_validated, result_path in validations:
        path = Path(result_path)
        if path.is_absolute():
            path = Path(os.path.relpath(path.resolve(), root))
        rows.append(
            {
                "stage": stage,
                "suite": suite,
                "chunk": chunk,
                "success": success,
                "evaluated_expectations": evaluated,
                "successful_expectations": successful,
                "rows_validated": rows_validated,
                "result_path": path.as_posix(),
            }
        )
    return pa.Table.from_pylist(rows, schema=_schema_without_id("validations"))


def model_tables(lake: RunLake) -> dict[str, pa.Table]:
    """The snapshot tables the SQL models produced: organizations, indicators, ranking, page_metrics
    (from the run's staging, intermediate and marts Parquet files)."""

    with connect() as con:
        for name, layer, model in (
            ("metrics", "intermediate", "int_page_metrics"),
            ("pages", "staging", "stg_pages"),
            ("organizations", "staging", "stg_organizations"),
            ("indicators", "marts", "indicators"),
            ("ranking", "marts", "ranking"),
        ):
            attach_parquet(con, name, lake.layer(layer) / f"{model}.parquet")
        con.register("platform_urls", _platform_urls())
        # Streamed into Arrow batch by batch: a whole DuckDB result converted at once would be held
        # twice (ten times the nation: 3 million pages, 0.6 GB).
        return {
            "organizations": _conform("organizations", con.sql(_ORGANIZATIONS_SQL).to_arrow_reader().read_all()),
            "indicators": _conform("indicators", con.table("indicators").to_arrow_table()),
            "ranking": _conform("ranking", con.table("ranking").to_arrow_table()),
            "page_metrics": _conform("page_metrics", con.sql(_PAGES_SQL).to_arrow_reader().read_all()),
        }


def build(
    lake: RunLake,
    *,
    period: str,
    source: str,
    is_demo: bool,
    methodology: Methodology,
    volume: dict,
    validations: list[tuple],
) -> Content:
    """Read the run's checked tables from its lake and describe its inputs."""
    tables = {
        **model_tables(lake),
        "indicator_definitions": indicator_definitions(methodology),
        "inputs": inputs_manifest(lake),
        "validations": validations_table(lake, validations),
    }
    version, commit = code_version()
    run = {
        **run_content(period, source, is_demo, methodology, volume),
        "code_version": version,
        "code_commit": commit,
        "lake_path": relative_to_data(lake.root),
    }
    assert set(RUNS_CONTENT_COLUMNS) <= set(run) <= set(RUNS.column_names)
    return Content(run, tables)
