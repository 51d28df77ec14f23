"""The published rating as a report: HTML (Russian, self-contained, offline), XLSX and CSV.

``data`` is the only module that reads the warehouse (through ``warehouse.open_reader``,
either back end); ``gains`` recomputes a region's points with one group of «Что исправить»
fixed; ``html``/``svg`` and ``tables`` render.
"""

from __future__ import annotations

from pathlib import Path

from ..methodology import parse
from . import data, gains, html, tables

FORMATS = ("html", "xlsx", "csv")


def default_path(folder: Path, snapshot_id: str, fmt: str, region: str | None = None) -> Path:
    return folder / f"{snapshot_id}{'-' + region if region else ''}.{fmt}"


def write(
    where: str | Path | None,
    ref: str | None,
    fmt: str,
    folder: Path,
    out: Path | None = None,
    region: str | None = None,
) -> Path:
    """Write the report of snapshot ``ref`` of the warehouse ``where`` (None: the configured one)
    in ``fmt``; return its path.

    ``region`` limits the XLSX indicator and «Что исправить» sheets, and the CSV (then the
    region's «Что исправить» list instead of the ranking), to one region.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    report = data.load(where, ref, items=fmt == "xlsx" or (fmt == "csv" and region is not None), region=region)
    if region and region not in {r.region_code for r in report.regions}:
        raise data.SnapshotNotFound(f"no region {region} in snapshot {report.run.snapshot_id}")
    methodology = parse(report.run.methodology_version, report.run.methodology_toml)
    gained = gains.gains(report, methodology)
    path = out or default_path(folder, report.run.snapshot_id, fmt, region)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return tables.write_xlsx(path, report, methodology, gained, region)
    if fmt == "html":
        text = html.render(report, methodology, gained)
    elif region:
        text = tables.csv_text(tables.FIX_COLUMNS, tables.fix_rows(report, gained))
    else:
        text = tables.csv_text(tables.RANKING_COLUMNS, tables.ranking_rows(report))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)
    return path


def write_published(where: str | Path | None, snapshot_id: str, folder: Path) -> list[Path]:
    """The HTML and XLSX report of a snapshot, into ``folder`` (what the DAG's report task writes)."""
    return [write(where, snapshot_id, fmt, folder) for fmt in ("html", "xlsx")]
