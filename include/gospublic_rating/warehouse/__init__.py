"""The warehouse: published, immutable ranking snapshots that auditors open.

Only :func:`publish` writes it, one snapshot at a time, all or nothing (write-audit-publish:
the run's tables were written and checked in the lake; publication copies them in at once).
A snapshot is never updated or deleted. Its hashes (``content_hash``, ``chain_hash``) make an
edit or a deletion evident: :func:`verify_hashes` recomputes them from the stored rows.

Where: ``GOSPUBLIC_WAREHOUSE_URL=postgresql://...`` publishes to PostgreSQL; unset, the
DuckDB file ``<data folder>/warehouse.duckdb``. :func:`open_reader` opens either read-only.

Versions: a period and source re-published with identical content (same content hash)
adds nothing and names the snapshot that holds it; different content becomes the next
version, ``supersedes`` naming the previous one. ``snapshot.latest_ranking`` shows the newest.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from .. import settings
from ..lake import RunLake, warehouse_path
from ..methodology import Methodology
from . import content as snapshot_content
from . import duckdb_file, hashing, postgres
from .errors import PublicationError, WarehouseMissing, WarehouseSchemaError, WarehouseUnreadable
from .schema import BY_NAME, RUNS, TABLES

__all__ = [
    "PublicationError",
    "Snapshot",
    "WarehouseMissing",
    "WarehouseSchemaError",
    "WarehouseUnreadable",
    "location",
    "open_reader",
    "publish",
    "shown",
    "verify_hashes",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    period: str
    source: str
    regions: int
    already_published: bool = False
    version: int = 1
    is_demo: bool = False
    content_hash: str = ""
    supersedes: str | None = None
    reason: str = ""  # why nothing new was published, when already_published

    EVENT_KEYS: ClassVar[tuple[str, ...]] = ("snapshot_id", "period", "source", "version", "is_demo", "content_hash")

    @property
    def event_extra(self) -> dict:
        """What the publication's Asset event carries."""
        return {key: getattr(self, key) for key in self.EVENT_KEYS}


def location(url: str | Path | None = None) -> str:
    """The warehouse to use: ``url``, else $GOSPUBLIC_WAREHOUSE_URL, else the DuckDB file in the data folder."""
    return str(url or settings.warehouse_url() or warehouse_path())


def _is_postgres(where: str) -> bool:
    return where.startswith(("postgresql://", "postgres://"))


def shown(where: str) -> str:
    """A warehouse location fit for logs and task results (no password)."""
    return postgres.redact(where) if _is_postgres(where) else where


@contextlib.contextmanager
def open_reader(url: str | Path | None = None) -> Iterator:
    """A read-only view of the warehouse: ``reader.read(table, snapshot_id=None) -> pyarrow.Table``
    with the declared columns (schema.TABLES), for either back end."""
    where = location(url)
    reader = postgres.Reader(where) if _is_postgres(where) else duckdb_file.Reader(Path(where))
    try:
        yield reader
    finally:
        reader.close()


def _writer(where: str):
    return postgres.writer(where) if _is_postgres(where) else duckdb_file.writer(Path(where))


def verify_hashes(url: str | Path | None = None) -> list[str]:
    """Recompute every snapshot's content and chain hash from the stored rows; the problems found."""
    with open_reader(url) as reader:
        return hashing.verify_chain(reader.read, reader.snapshot_ids)


def _with_id(name: str, snapshot_id: str, data: pa.Table) -> pa.Table:
    column = pa.array([snapshot_id] * data.num_rows, pa.string())
    return data.add_column(0, "snapshot_id", column).cast(BY_NAME[name].arrow_schema)


def _existing(run: dict, regions: int, reason: str) -> Snapshot:
    return Snapshot(
        run["snapshot_id"],
        run["period"],
        run["source"],
        regions,
        already_published=True,
        version=run["version"],
        is_demo=run["is_demo"],
        content_hash=run["content_hash"],
        supersedes=run["supersedes"],
        reason=reason,
    )


def publish(
    warehouse: str | Path | None,
    lake: RunLake,
    *,
    period: str,
    source: str,
    dag_run_id: str,
    methodology: Methodology,
    volume: dict,
    is_demo: bool | None = None,
    validations: list[tuple],
    expected_regions: int,
    now: datetime | None = None,
) -> Snapshot:
    """Publish the run's snapshot to ``warehouse`` (None: :func:`location`), all or nothing.

    ``is_demo`` marks synthetic data (default: the demo source); ``volume`` holds the
    run's pages_count, posts_count and page_stats_coverage;
    ``validations`` one row per validated suite (stage, suite, chunk, success, evaluated,
    successful, rows, result path): the checks this snapshot passed.

    Returns the existing snapshot, without writing, when this dag_run_id already published
    (a retried task) or the period and source already hold identical content.
    """
    where = location(warehouse)
    built = snapshot_content.build(
        lake,
        period=period,
        source=source,
        is_demo=source == "demo" if is_demo is None else is_demo,
        methodology=methodology,
        volume=volume,
        validations=validations,
    )
    tables = built.tables  # the same dict: a table popped from it below is let go
    expected_indicators = expected_regions * len(methodology.indicators)
    if tables["ranking"].num_rows != expected_regions or tables["indicators"].num_rows != expected_indicators:
        raise PublicationError(
            f"snapshot of {period} {source} would hold {tables['ranking'].num_rows} ranked regions and "
            f"{tables['indicators'].num_rows} indicator rows; expected {expected_regions} and {expected_indicators}"
        )
    content_hash = hashing.content_hash(pa.Table.from_pylist([built.run]), tables)
    published_at = now or datetime.now(UTC)
    with _writer(where) as writer:
        runs = writer.read("runs").to_pylist()
        for run in runs:
            if run["dag_run_id"] == dag_run_id:
                return _existing(run, expected_regions, "this run published it already (a retried task)")
        for run in runs:
            if (run["period"], run["source"], run["content_hash"]) == (period, source, content_hash):
                reason = f"identical content is already published as {run['snapshot_id']} (version {run['version']})"
                log.info("nothing new to publish: %s", reason)
                return _existing(run, expected_regions, reason)
        versions = sorted(
            (r for r in runs if (r["period"], r["source"]) == (period, source)), key=lambda r: r["version"]
        )
        head = max(runs, key=lambda r: r["seq"]) if runs else None
        snapshot_id = f"{period}-{source}-{published_at:%Y%m%dT%H%M%S}Z"
        if any(r["snapshot_id"] == snapshot_id for r in runs):
            snapshot_id += f"-{published_at:%f}"
        row = {
            **built.run,
            "snapshot_id": snapshot_id,
            "version": versions[-1]["version"] + 1 if versions else 1,
            "supersedes": versions[-1]["snapshot_id"] if versions else None,
            "published_at": published_at,
            "dag_run_id": dag_run_id,
            "seq": head["seq"] + 1 if head else 1,
            "content_hash": content_hash,
            "previous_chain_hash": head["chain_hash"] if head else None,
            "chain_hash": "",
        }
        run_table = pa.Table.from_pylist([row], schema=RUNS.arrow_schema)
        row["chain_hash"] = hashing.chain_hash(run_table, tables["validations"])
        writer.insert(RUNS.name, pa.Table.from_pylist([row], schema=RUNS.arrow_schema))
        given = {RUNS.name: 1, **{name: data.num_rows for name, data in tables.items()}}
        for table in TABLES[1:]:  # the declared order, after runs
            # each table is let go once it is in (ten times the nation: 0.8 GB of Arrow in all)
            writer.insert(table.name, _with_id(table.name, snapshot_id, tables.pop(table.name)))
        for table in TABLES:
            stored = writer.count(table.name, snapshot_id)
            if stored != given[table.name]:
                raise PublicationError(
                    f"snapshot {snapshot_id}: {stored} rows of {table.name} stored, {given[table.name]} given"
                )
    snapshot = Snapshot(
        snapshot_id,
        period,
        source,
        expected_regions,
        version=row["version"],
        is_demo=row["is_demo"],
        content_hash=content_hash,
        supersedes=row["supersedes"],
    )
    log.info("published %s (version %d of %s %s) to %s", snapshot_id, snapshot.version, period, source, shown(where))
    return snapshot
