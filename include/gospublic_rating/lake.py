"""The lake: one folder of Parquet files per run, the contract between tasks.

    <data_dir>/lake/<period>/<run_key>/raw/regions.parquet
                                      raw/page_stats/<platform>.parquet
                                      staging/stg_posts.parquet
                                      intermediate/int_page_metrics.parquet
                                      marts/ranking.parquet

Every file is written to a temporary name in the same folder and renamed into place, so a
reader never sees half a file and a retried task replaces what it wrote before.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .settings import PROJECT_ROOT, data_dir

__all__ = ["PROJECT_ROOT", "RunLake", "data_dir", "run_key", "warehouse_path", "write_parquet", "write_parquet_batches"]
PARQUET_OPTIONS = {"compression": "zstd", "row_group_size": 1 << 20}


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def run_key(dag_run_id: str) -> str:
    """A folder name for a run id (Airflow run ids hold ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", dag_run_id).strip("_") or "run"


@dataclass(frozen=True)
class RunLake:
    """The folders of one run of one period."""

    root: Path

    @classmethod
    def for_run(cls, period: str, dag_run_id: str) -> RunLake:
        return cls(data_dir() / "lake" / period / run_key(dag_run_id))

    def layer(self, name: str) -> Path:
        return self.root / name

    def raw_table(self, table: str, platform: str | None = None) -> Path:
        if platform is None:
            return self.layer("raw") / f"{table}.parquet"
        return self.layer("raw") / table / f"{platform}.parquet"

    def raw_glob(self, table: str) -> str:
        """What the staging models read for a raw table (one file, or one per platform)."""
        single = self.raw_table(table)
        return str(single) if single.exists() else str(self.layer("raw") / table / "*.parquet")


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write ``table`` to ``path`` atomically (temporary file, then rename)."""
    write_parquet_batches([table], table.schema, path)
    return path


def write_parquet_batches(tables: Iterable[pa.Table], schema: pa.Schema, path: Path) -> int:
    """Write ``tables`` (of ``schema``) one after another into one file at ``path``,
    atomically (temporary file, then rename); return the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, schema, compression=PARQUET_OPTIONS["compression"]) as writer:
            for table in tables:
                writer.write_table(table, row_group_size=PARQUET_OPTIONS["row_group_size"])
                rows += table.num_rows
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows
