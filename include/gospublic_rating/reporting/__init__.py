"""The published rating as a report: HTML (Russian, self-contained, offline), XLSX and CSV, and
the text top places for the console (``text``).

``data`` is the only module that reads the warehouse (through ``warehouse.open_reader``,
either back end); ``gains`` recomputes a region's points with one group of «Что исправить»
fixed; ``html``/``svg``, ``tables`` and ``text`` render. ``tables`` (the XLSX writer's
extension) is imported when a table is rendered, so the text form does not load it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..methodology import Methodology, parse
from . import data, gains, html

FORMATS = ("html", "xlsx", "csv")


def default_path(folder: Path, snapshot_id: str, fmt: str, region: str | None = None) -> Path:
    return folder / f"{snapshot_id}{'-' + region if region else ''}.{fmt}"


@dataclass(frozen=True)
class Prepared:
    """A snapshot's report data with its methodology and gains: loaded and computed once,
    rendered in as many formats as needed."""

    report: data.Report
    methodology: Methodology
    gains: dict[tuple[str, str], float]
    region: str | None = None


def prepare(where: str | Path | None, ref: str | None, items: bool = True, region: str | None = None) -> Prepared:
    """Load snapshot ``ref`` of the warehouse ``where`` (None: the configured one) and compute its gains.

    ``items``: also the full «Что исправить» lists (XLSX; CSV of a region); ``region``: of that region only.
    """
    report = data.load(where, ref, items=items, region=region)
    if region and region not in {r.region_code for r in report.regions}:
        raise data.SnapshotNotFound(f"no region {region} in snapshot {report.run.snapshot_id}")
    methodology = parse(report.run.methodology_version, report.run.methodology_toml)
    return Prepared(report, methodology, gains.gains(report, methodology), region)


def render(prepared: Prepared, fmt: str, folder: Path, out: Path | None = None) -> Path:
    """Write the report of ``prepared`` in ``fmt`` (to ``out``, or its default path in ``folder``)."""
    from . import tables

    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    report, region = prepared.report, prepared.region
    if report.fix_items is None and (fmt == "xlsx" or (fmt == "csv" and region)):
        raise ValueError(f"the {fmt} report lists what to fix: prepare it with items=True")
    path = out or default_path(folder, report.run.snapshot_id, fmt, region)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return tables.write_xlsx(path, report, prepared.methodology, prepared.gains, region)
    if fmt == "html":
        text = html.render(report, prepared.methodology, prepared.gains)
    elif region:
        text = tables.csv_text(tables.FIX_COLUMNS, tables.fix_rows(report, prepared.gains))
    else:
        text = tables.csv_text(tables.RANKING_COLUMNS, tables.ranking_rows(report))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)
    return path


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
    items = fmt == "xlsx" or (fmt == "csv" and region is not None)
    return render(prepare(where, ref, items, region), fmt, folder, out)


def write_published(where: str | Path | None, snapshot_id: str, folder: Path) -> list[Path]:
    """The HTML and XLSX report of a snapshot, into ``folder`` (what the DAG's report task writes):
    the snapshot is read and the gains computed once for both."""
    prepared = prepare(where, snapshot_id)
    return [render(prepared, fmt, folder) for fmt in ("html", "xlsx")]
