"""The project's settings: every environment variable it reads, in one table, checked at start.

`make run` checks them in ``preflight`` before Airflow starts; every task reads them
through here, so a bad value fails with a one-line :class:`SettingsError` naming the
variable, never later as a bare DuckDB parser error.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# name: (default, meaning)
VARIABLES: dict[str, tuple[str, str]] = {
    "GOSPUBLIC_DATA_DIR": ("<project>/data", "folder of the lake and the warehouse"),
    "GOSPUBLIC_DUCKDB_MEMORY_LIMIT": ("1GB", "DuckDB's memory limit (e.g. 512MB, 2GB, 1.5GiB); it spills beyond it"),
    "GOSPUBLIC_DUCKDB_THREADS": ("2", "DuckDB's worker threads (a positive whole number)"),
}

_SIZE_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?) ?(B|[KMGT]i?B|[KMGT]|%)$", re.IGNORECASE | re.ASCII)


def _get(name: str) -> str:
    return os.environ.get(name, "").strip() or VARIABLES[name][0]


def data_dir() -> Path:
    """Root of the lake and the warehouse: $GOSPUBLIC_DATA_DIR, by default <project>/data."""
    value = os.environ.get("GOSPUBLIC_DATA_DIR", "").strip()
    return Path(value) if value else PROJECT_ROOT / "data"


def duckdb_memory_limit() -> str:
    value = _get("GOSPUBLIC_DUCKDB_MEMORY_LIMIT")
    match = _SIZE_RE.match(value)
    if not match or float(match.group(1)) <= 0 or (match.group(2) == "%" and float(match.group(1)) > 100):
        raise SettingsError(
            f"GOSPUBLIC_DUCKDB_MEMORY_LIMIT={value!r} is not a memory size: "
            f"write a positive number with a unit, e.g. 1GB, 512MB, 1.5GiB or 50%"
        )
    return value


def duckdb_threads() -> int:
    value = _get("GOSPUBLIC_DUCKDB_THREADS")
    if not re.fullmatch(r"[0-9]+", value, re.ASCII) or int(value) < 1:
        raise SettingsError(f"GOSPUBLIC_DUCKDB_THREADS={value!r} is not a positive whole number (e.g. 2)")
    return int(value)


def check() -> None:
    """Raise SettingsError on the first variable with a bad value."""
    duckdb_memory_limit()
    duckdb_threads()
    folder = data_dir()
    if folder.exists() and not folder.is_dir():
        raise SettingsError(f"GOSPUBLIC_DATA_DIR={str(folder)!r} is a file, not a folder")
