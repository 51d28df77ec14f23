"""Human-readable views of a published snapshot."""

from __future__ import annotations

from pathlib import Path

from .models import connect


class SnapshotNotFound(LookupError):
    pass


def top(
    warehouse: Path,
    snapshot_id: str | None = None,
    period: str | None = None,
    max_place: int = 10,
    dag_run_id: str | None = None,
) -> str:
    """The regions placed at most ``max_place`` (ties included) of a snapshot, as text.

    The snapshot is ``snapshot_id``, or the one published by the DAG run ``dag_run_id``, or
    else the newest (of ``period``, where given).
    """
    if not warehouse.exists():
        raise SnapshotNotFound(f"{warehouse}: no warehouse yet; nothing has been published")
    with connect(warehouse, read_only=True) as con:
        query = "select snapshot_id, period, source, is_demo, methodology_version, published_at from snapshot.runs"
        run = con.execute(
            query + " where snapshot_id = coalesce($id, snapshot_id) and period = coalesce($period, period)"
            " and dag_run_id = coalesce($run, dag_run_id) order by published_at desc limit 1",
            {"id": snapshot_id, "period": period, "run": dag_run_id},
        ).fetchall()
        if not run:
            wanted = f"of DAG run {dag_run_id}" if dag_run_id else snapshot_id or period or ""
            raise SnapshotNotFound(f"{warehouse}: no snapshot {wanted}".rstrip())
        snapshot_id, period, source, is_demo, version, published_at = run[0]
        rows = con.execute(
            """
            select place, count(*) over (partition by place) > 1 as shared, region_code, region_name,
                   points, block1, block2
            from snapshot.ranking where snapshot_id = ? and place <= ?
            order by place, region_code
            """,
            [snapshot_id, max_place],
        ).fetchall()
    banner = "DEMO DATA — not a real rating. " if is_demo else ""
    lines = [
        f"{banner}Top {max_place} places, period {period}, methodology {version}, source {source}",
        f"snapshot {snapshot_id}, published {published_at:%Y-%m-%d %H:%M:%S %Z}",
        "",
        f"{'place':>6}  {'code':4}  {'region':<44}{'points':>7}{'block1':>8}{'block2':>8}",
    ]
    for place, shared, code, name, points, block1, block2 in rows:
        label = f"{place}=" if shared else str(place)
        lines.append(f"{label:>6}  {code:4}  {name:<44}{points:>7.1f}{block1:>8.1f}{block2:>8.1f}")
    lines.append("")
    lines.append(f"{len(rows)} regions at places 1-{max_place} ('=' marks a shared place).")
    lines.append(f"warehouse: {warehouse} (tables snapshot.runs, snapshot.indicators, snapshot.ranking)")
    return "\n".join(lines)
