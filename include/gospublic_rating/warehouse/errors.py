"""Errors of the warehouse; none of them can be fixed by retrying the task."""

from __future__ import annotations

from ..errors import NotRetryable


class PublicationError(NotRetryable, RuntimeError):
    """The snapshot could not be published; nothing was written."""


class WarehouseSchemaError(NotRetryable, RuntimeError):
    """The warehouse was made by another version of the code."""


class WarehouseUnreadable(NotRetryable, RuntimeError):
    """The warehouse exists but cannot be read (corrupt or truncated file): never recreated over."""


class WarehouseMissing(NotRetryable, LookupError):
    """Nothing has been published to this warehouse yet."""


def layout(rows) -> dict[str, list[str]]:
    """{table: [columns in order]} from (table, column) rows already in that order."""
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def check_layout(found: dict[str, list[str]], expected: dict[str, list[str]], location: str) -> None:
    """Fail clearly when existing snapshot tables differ from what this code writes."""
    differing = sorted(t for t in expected if t in found and found[t] != expected[t])
    if differing:
        raise WarehouseSchemaError(
            f"{location}: snapshot table(s) {', '.join(differing)} have another layout than this version writes; "
            "published snapshots are never altered: migrate them deliberately or publish to a new warehouse "
            "(GOSPUBLIC_DATA_DIR or GOSPUBLIC_WAREHOUSE_URL)"
        )
