"""The files source: a folder of the five contract tables as Parquet files.

    <input_dir>/regions.parquet  organizations.parquet  pages.parquet
                page_stats.parquet  posts.parquet

Columns follow docs/methodology.md ("Inputs"); extra columns are ignored; values are cast to
the contract types. A column of another type than the contract's, other than a lossless
widening (contract.lossless), stops the run. Any problem is a ContractError that names
the file and, where it is about a value, the row (1-based) and the field.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..contract import (
    ORG_KINDS,
    PAGE_STATUSES,
    PLATFORM_TABLES,
    REGISTRY_TABLES,
    SCHEMAS,
    TABLES,
    ContractError,
    conform,
    type_problems,
)
from ..lake import RunLake, write_parquet
from ..methodology import load as load_methodology
from ..period import Period
from . import SYNTHETIC_KEY, WholePlatform, mark_synthetic


def _path(input_dir: Path, table: str) -> Path:
    return input_dir / f"{table}.parquet"


def check_input(input_dir: Path) -> None:
    """Fail fast, before any run starts, on a missing folder, file, or column."""
    if not input_dir.is_dir():
        raise ContractError(f"{input_dir}: input folder does not exist")
    problems = []
    for table in TABLES:
        path = _path(input_dir, table)
        if not path.is_file():
            problems.append(f"{path}: missing (the files source needs {', '.join(t + '.parquet' for t in TABLES)})")
            continue
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as error:
            problems.append(f"{path}: not a readable Parquet file ({error})")
            continue
        missing = [name for name in SCHEMAS[table].names if name not in schema.names]
        if missing:
            problems.append(f"{path}: missing column(s) {', '.join(missing)}")
        problems += type_problems(schema, table, str(path))
    if problems:
        raise ContractError("bad input:\n  " + "\n  ".join(problems))


def read_table(input_dir: Path, table: str, platform: str | None = None) -> pa.Table:
    """One contract table from the folder (only ``platform``'s rows, if given), in contract types.

    The whole file is read and decoded: a corrupt page is a ContractError naming the file.
    Rows are chosen after the cast to the contract types (a filter on the file's own
    types would fail on types such as string_view).
    """
    path = _path(input_dir, table)
    try:
        raw = pq.read_table(path)
    except FileNotFoundError:
        raise ContractError(f"{path}: missing") from None
    except (OSError, pa.ArrowException) as error:
        raise ContractError(f"{path}: not a readable Parquet file ({error})") from None
    conformed = conform(raw, table, str(path))
    return conformed.filter(pc.equal(conformed.column("platform"), platform)) if platform else conformed


def _first_row(mask: pa.ChunkedArray) -> int | None:
    """0-based index of the first true (or null) value of ``mask``, if any."""
    mask = pc.fill_null(mask, True)
    return pc.index(mask, True).as_py() if pc.any(mask).as_py() else None


def require_values(table: pa.Table, field: str, allowed: tuple[str, ...], origin: str) -> None:
    """ContractError naming the first row whose ``field`` is not exactly one of ``allowed``."""
    row = _first_row(pc.invert(pc.is_in(table.column(field), value_set=pa.array(allowed))))
    if row is not None:
        value = table.column(field)[row].as_py()
        raise ContractError(f"{origin}, row {row + 1}, field {field}: {value!r} is not one of {', '.join(allowed)}")


class FilesSource(WholePlatform):
    """Checks every file once with the registry; each platform task then reads its own rows."""

    name = "files"

    def __init__(self, input_dir: Path, platforms: tuple[str, ...] | None = None):
        self.input_dir = Path(input_dir)
        self.platforms = tuple(platforms) if platforms is not None else load_methodology().platforms

    def extract_registry(self, lake: RunLake, period: Period) -> dict[str, int]:
        check_input(self.input_dir)
        markers = {(pq.read_schema(_path(self.input_dir, t)).metadata or {}).get(SYNTHETIC_KEY) for t in TABLES}
        if markers - {None}:
            mark_synthetic(lake, b"; ".join(sorted(markers - {None})).decode("utf-8", "replace"))
        platforms = self.platforms
        counts = {}
        for name in TABLES:
            table = read_table(self.input_dir, name)  # whole file: errors name rows of the file
            origin = str(_path(self.input_dir, name))
            if name == "organizations":
                require_values(table, "org_kind", ORG_KINDS, origin)
            if name in ("pages", "page_stats", "posts"):
                require_values(table, "platform", platforms, origin)
            if name == "page_stats":
                require_values(table, "status", PAGE_STATUSES, origin)
                row = _first_row(pc.not_equal(table.column("period"), str(period)))
                if row is not None:
                    raise ContractError(
                        f"{origin}, row {row + 1}, field period: {table.column('period')[row].as_py()!r}, "
                        f"but this run rates {period}"
                    )
            if name in REGISTRY_TABLES:
                write_parquet(table, lake.raw_table(name))
                counts[name] = table.num_rows
        return counts

    def extract_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]:
        counts = {}
        for name in PLATFORM_TABLES:
            mine = read_table(self.input_dir, name, platform)
            write_parquet(mine, lake.raw_table(name, platform))
            counts[name] = mine.num_rows
        return counts
