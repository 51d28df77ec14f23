"""The files source: a folder of the five contract tables as Parquet files.

    <input_dir>/regions.parquet  organizations.parquet  pages.parquet
                page_stats.parquet  posts.parquet

Columns follow METHODOLOGY.md ("Inputs"); extra columns are ignored; values are cast to
the contract types. Any problem is a ContractError that names the file and, where it is
about a value, the row (1-based) and the field.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..contract import ORG_KINDS, PAGE_STATUSES, SCHEMAS, TABLES, ContractError, conform
from ..lake import RunLake, write_parquet
from ..methodology import load as load_methodology
from ..period import Period
from . import WholePlatform


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
    if problems:
        raise ContractError("bad input:\n  " + "\n  ".join(problems))


def read_table(input_dir: Path, table: str) -> pa.Table:
    """One contract table from the folder, cast to the contract schema."""
    path = _path(input_dir, table)
    try:
        raw = pq.read_table(path, columns=None)
    except FileNotFoundError:
        raise ContractError(f"{path}: missing") from None
    except (OSError, pa.ArrowException) as error:
        raise ContractError(f"{path}: not a readable Parquet file ({error})") from None
    return conform(raw, table, str(path))


def _normalised(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_lower(pc.utf8_trim_whitespace(column))


def require_values(table: pa.Table, field: str, allowed: tuple[str, ...], origin: str) -> None:
    """ContractError naming the first row whose ``field`` is not one of ``allowed``."""
    values = _normalised(table.column(field))
    bad = pc.invert(pc.fill_null(pc.is_in(values, value_set=pa.array(allowed)), False))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        value = table.column(field)[row].as_py()
        raise ContractError(f"{origin}, row {row + 1}, field {field}: {value!r} is not one of {', '.join(allowed)}")


class FilesSource(WholePlatform):
    name = "files"

    def __init__(self, input_dir: Path):
        self.input_dir = Path(input_dir)

    def extract_registry(self, lake: RunLake, period: Period) -> dict[str, int]:
        check_input(self.input_dir)
        platforms = load_methodology().platforms
        counts = {}
        for name in ("regions", "organizations", "pages"):
            table = read_table(self.input_dir, name)
            if name == "organizations":
                require_values(table, "org_kind", ORG_KINDS, str(_path(self.input_dir, name)))
            if name == "pages":
                require_values(table, "platform", platforms, str(_path(self.input_dir, name)))
            write_parquet(table, lake.raw_table(name))
            counts[name] = table.num_rows
        for name in ("page_stats", "posts"):
            platform_column = pq.read_table(_path(self.input_dir, name), columns=["platform"])
            require_values(platform_column, "platform", platforms, str(_path(self.input_dir, name)))
        return counts

    def extract_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]:
        counts = {}
        for name in ("page_stats", "posts"):
            table = read_table(self.input_dir, name)
            origin = str(_path(self.input_dir, name))
            if name == "page_stats":
                require_values(table, "status", PAGE_STATUSES, origin)
                wrong = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(table.column("period")), str(period)), True)
                if pc.any(wrong).as_py():
                    row = pc.index(wrong, True).as_py()
                    raise ContractError(
                        f"{origin}, row {row + 1}, field period: {table.column('period')[row].as_py()!r}, "
                        f"but this run rates {period}"
                    )
            mine = table.filter(pc.equal(_normalised(table.column("platform")), platform))
            write_parquet(mine, lake.raw_table(name, platform))
            counts[name] = mine.num_rows
        return counts
