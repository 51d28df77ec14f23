"""The input contract between extraction and the models (docs/methodology.md, "Inputs").

Every source (demo, files, the platform extractors) writes exactly these Parquet tables
into a run's ``raw/`` folder; the staging models read nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from .errors import NotRetryable

TIMESTAMPTZ = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "regions": pa.schema(
        [("region_code", pa.string()), ("region_name", pa.string()), ("federal_district", pa.string())]
    ),
    "organizations": pa.schema(
        [
            ("org_id", pa.string()),
            ("region_code", pa.string()),
            ("org_name", pa.string()),
            ("org_kind", pa.string()),
            ("admin_qualified", pa.bool_()),
        ]
    ),
    "pages": pa.schema(
        [
            ("page_id", pa.string()),
            ("org_id", pa.string()),
            ("platform", pa.string()),
            ("platform_page_id", pa.string()),
            ("gov_mark", pa.bool_()),
            ("pos_connected", pa.bool_()),
        ]
    ),
    "page_stats": pa.schema(
        [
            ("page_id", pa.string()),
            ("platform", pa.string()),
            ("period", pa.string()),
            ("observed_at", TIMESTAMPTZ),
            ("status", pa.string()),
            ("followers", pa.int64()),
            ("platform_gov_mark", pa.bool_()),
        ]
    ),
    "posts": pa.schema(
        [
            ("page_id", pa.string()),
            ("platform", pa.string()),
            ("post_id", pa.string()),
            ("published_at", TIMESTAMPTZ),
            ("views", pa.int64()),
            ("likes", pa.int64()),
            ("comments", pa.int64()),
            ("reposts", pa.int64()),
        ]
    ),
}

REGISTRY_TABLES = ("regions", "organizations", "pages")
PLATFORM_TABLES = ("page_stats", "posts")
TABLES = REGISTRY_TABLES + PLATFORM_TABLES

ORG_KINDS = ("regional_authority", "local_government", "subordinate_institution")
PAGE_STATUSES = ("active", "deleted", "banned", "private", "not_found")


class ContractError(NotRetryable, ValueError):
    """Input that does not follow the contract; the message names file, row and field."""


# Integer types whose every value is an int64 (the contract's bigint) without loss.
_INT64_WIDENINGS = (pa.int8(), pa.int16(), pa.int32(), pa.uint8(), pa.uint16(), pa.uint32())
# Timestamps are read as instants between these bounds (UTC); anything else is not a date
# of this rating's world, usually a corrupt data page that decoded into garbage.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def lossless(found: pa.DataType, expected: pa.DataType) -> bool:
    """Whether a column of type ``found`` reads as the contract type ``expected`` without loss.

    Accepted: the type itself; a column of nulls only; for text, large_string, string_view
    and dictionary-encoded text; for bigint, signed and unsigned integers up to 32 bits;
    for timestamptz, a timestamp of any unit with a time zone (a value that a unit change
    would cut, e.g. nanoseconds, is refused by the cast, naming its row).
    """
    if found == expected or pa.types.is_null(found):
        return True
    if expected == pa.string():
        if pa.types.is_dictionary(found):
            return lossless(found.value_type, expected)
        return pa.types.is_large_string(found) or pa.types.is_string_view(found)
    if expected == pa.int64():
        return found in _INT64_WIDENINGS
    if expected == TIMESTAMPTZ:
        return pa.types.is_timestamp(found) and found.tz is not None
    return False


def type_problems(schema: pa.Schema, name: str, origin: str) -> list[str]:
    """One line per contract column of ``schema`` whose type is not the contract's (or a lossless widening)."""
    problems = []
    for field in SCHEMAS[name]:
        if field.name not in schema.names:
            continue
        found = schema.field(field.name).type
        if lossless(found, field.type):
            continue
        if field.type == TIMESTAMPTZ and pa.types.is_timestamp(found):
            problems.append(
                f"{origin}, field {field.name}: {found} has no time zone; the contract requires timestamptz "
                f"(a timestamp with a time zone, e.g. {TIMESTAMPTZ}): a wall-clock time without one is ambiguous"
            )
        else:
            problems.append(f"{origin}, field {field.name}: the contract type is {field.type}, found {found}")
    return problems


def conform(table: pa.Table, name: str, origin: str) -> pa.Table:
    """Select and cast ``table`` to the contract schema of ``name``.

    Extra columns are dropped; a missing column, a column of another type than the
    contract's (other than a lossless widening, see :func:`lossless`), a value that cannot
    be cast without loss or a timestamp outside [EARLIEST, LATEST) is a ContractError
    naming ``origin`` (the file), the field and, where known, the row.
    """
    schema = SCHEMAS[name]
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise ContractError(
            f"{origin}: missing column(s) {', '.join(missing)}; the {name} table needs {', '.join(schema.names)}"
        )
    problems = type_problems(table.schema, name, origin)
    if problems:
        raise ContractError("\n".join(problems))
    columns = []
    for field in schema:
        column = table.column(field.name)
        if column.type != field.type:
            try:
                column = column.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                row = _first_bad_row(column, field.type)
                where = f", row {row}" if row is not None else ""
                raise ContractError(
                    f"{origin}{where}, field {field.name}: cannot read {column.type} as {field.type} ({error})"
                ) from None
        if field.type == TIMESTAMPTZ:
            _check_range(column, field.name, origin)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _check_range(column: pa.ChunkedArray, field: str, origin: str) -> None:
    """ContractError naming the first timestamp outside [EARLIEST, LATEST)."""
    outside = pc.or_(
        pc.less(column, pa.scalar(EARLIEST, TIMESTAMPTZ)), pc.greater_equal(column, pa.scalar(LATEST, TIMESTAMPTZ))
    )
    if not pc.any(outside).as_py():
        return
    row = pc.index(pc.fill_null(outside, False), True).as_py()
    try:
        shown = column[row].as_py().isoformat()
    except (OverflowError, ValueError):  # beyond what Python's datetime can hold
        shown = f"{pc.cast(column, pa.int64())[row].as_py()} µs since 1970-01-01 UTC"
    raise ContractError(
        f"{origin}, row {row + 1}, field {field}: {shown} is outside "
        f"[{EARLIEST:%Y-%m-%d}, {LATEST:%Y-%m-%d}) (a corrupt data page?)"
    )


def _first_bad_row(column: pa.ChunkedArray, target: pa.DataType) -> int | None:
    """1-based row number of the first value that does not cast to ``target``."""
    offset = 0
    for chunk in column.chunks:
        try:
            chunk.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            for i in range(len(chunk)):
                try:
                    chunk.slice(i, 1).cast(target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    return offset + i + 1
        offset += len(chunk)
    return None


_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    TIMESTAMPTZ: "TIMESTAMP WITH TIME ZONE",
}


def duckdb_columns() -> list[tuple[str, str, str]]:
    """(raw table, column, DuckDB type) of every contract column, as DuckDB names them."""
    return [
        (f"raw_{name}", field.name, _DUCKDB_TYPES[field.type]) for name, schema in SCHEMAS.items() for field in schema
    ]
