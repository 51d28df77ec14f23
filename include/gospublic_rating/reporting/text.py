"""The report as text: a published snapshot's top places for the console (``gospublic report``,
``run-dag``, the DAG's ``report`` task, the success alert, ``gospublic snapshots show``).

It reads through :func:`data.load_ranking` (either back end) and renders; ``place_labels``
is also the place label of the audit commands.
"""

from __future__ import annotations

from pathlib import Path

from .data import load_ranking


def place_labels(ranking: list[dict]) -> dict[str, str]:
    """region_code -> its place as shown: ``5=`` when another region shares place 5."""
    counts: dict[int, int] = {}
    for row in ranking:
        counts[row["place"]] = counts.get(row["place"], 0) + 1
    return {row["region_code"]: f"{row['place']}{'=' if counts[row['place']] > 1 else ''}" for row in ranking}


def top(
    warehouse_location: str | Path | None = None,
    snapshot_id: str | None = None,
    period: str | None = None,
    max_place: int | None = 10,
    dag_run_id: str | None = None,
) -> str:
    """The regions placed at most ``max_place`` (ties included; None: all) of a snapshot, as text.

    ``warehouse_location`` is a DuckDB file or a postgresql:// URL (None: ``warehouse.location()``).
    The snapshot is ``snapshot_id``, or the one published by the DAG run ``dag_run_id``, or
    else the newest (of ``period``, where given); none is :class:`data.SnapshotNotFound`.
    """
    run, ranking, where = load_ranking(warehouse_location, snapshot_id, period, dag_run_id)
    labels = place_labels(ranking)
    shown = sorted(
        (r for r in ranking if max_place is None or r["place"] <= max_place),
        key=lambda r: (r["place"], r["region_code"]),
    )
    banner = "DEMO DATA — not a real rating. " if run["is_demo"] else ""
    title = f"Top {max_place} places" if max_place is not None else "Ranking"
    lines = [
        f"{banner}{title}, period {run['period']}, methodology {run['methodology_version']}, source {run['source']}",
        f"snapshot {run['snapshot_id']}, published {run['published_at']:%Y-%m-%d %H:%M:%S %Z}, "
        f"version {run['version']} of its period and source",
        "",
        f"{'place':>6}  {'code':4}  {'region':<44}{'points':>7}{'block1':>8}{'block2':>8}",
    ]
    for row in shown:
        lines.append(
            f"{labels[row['region_code']]:>6}  {row['region_code']:4}  {row['region_name']:<44}"
            f"{row['points']:>7.1f}{row['block1']:>8.1f}{row['block2']:>8.1f}"
        )
    lines.append("")
    span = f"at places 1-{max_place}" if max_place is not None else "ranked"
    lines.append(f"{len(shown)} regions {span} ('=' marks a shared place).")
    lines.append(f"warehouse: {where} (tables snapshot.runs, snapshot.indicators, snapshot.ranking)")
    return "\n".join(lines)
