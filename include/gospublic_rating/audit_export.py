"""Export of published snapshots to the auditors' PostgreSQL warehouse (the downstream DAG's work).

The auditors' warehouse mirrors the publishing one: every snapshot it lacks is copied with
its rows and hashes unchanged, oldest first, one transaction for all of them. Copying the
hash chain as it is keeps :func:`warehouse.verify_hashes` valid on the copy; a copy whose
snapshots are not the oldest of the source (it diverged) is refused, not patched.
"""

from __future__ import annotations

import logging

from . import settings, warehouse
from .errors import NotRetryable
from .warehouse import postgres
from .warehouse.schema import TABLES

log = logging.getLogger(__name__)


class ExportRefused(NotRetryable, RuntimeError):
    """The auditors' warehouse holds snapshots the source does not, or in another order."""


def export_snapshots(snapshot_ids: list[str], source: str | None = None, target: str | None = None) -> dict:
    """Copy into ``target`` (default GOSPUBLIC_AUDIT_WAREHOUSE_URL) every snapshot of ``source``
    (default: the publishing warehouse) that it lacks; ``snapshot_ids`` (from the Asset events)
    must be among them or already there. Returns what was copied and what was already there."""
    target = target or settings.audit_warehouse_url()
    with warehouse.open_reader(source) as reader:
        source_runs = sorted(reader.read("runs").to_pylist(), key=lambda run: run["seq"])
        known = {run["snapshot_id"] for run in source_runs}
        unknown = [sid for sid in snapshot_ids if sid not in known]
        if unknown:
            raise ExportRefused(
                f"snapshot(s) {', '.join(unknown)} not in {warehouse.shown(warehouse.location(source))}"
            )
        with postgres.writer(target) as writer:
            present = [run["snapshot_id"] for run in sorted(writer.read("runs").to_pylist(), key=lambda r: r["seq"])]
            order = [run["snapshot_id"] for run in source_runs]
            if order[: len(present)] != present:
                raise ExportRefused(
                    f"{postgres.redact(target)} diverged: its {len(present)} snapshot(s) are not the "
                    f"{len(present)} oldest of {warehouse.shown(warehouse.location(source))}; nothing exported"
                )
            copied = order[len(present) :]
            for snapshot_id in copied:
                for table in TABLES:
                    data = reader.read(table.name, snapshot_id)
                    writer.insert(table.name, data)
                    if writer.count(table.name, snapshot_id) != data.num_rows:
                        raise ExportRefused(f"{snapshot_id}: {table.name} not copied completely")
    log.info("exported %d snapshot(s) to %s: %s", len(copied), postgres.redact(target), ", ".join(copied) or "none")
    return {"copied": copied, "already_there": present, "target": postgres.redact(target)}
