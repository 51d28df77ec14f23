"""The input contract between extraction and the models (docs/methodology.md, "Inputs").

Every source (demo, files, the platform extractors) writes exactly these Parquet tables
into a run's ``raw/`` folder; the staging models read nothing else.
"""

from __future__ import annotations

import pyarrow as pa

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


def conform(table: pa.Table, name: str, origin: str) -> pa.Table:
    """Select and cast ``table`` to the contract schema of ``name``.

    Extra columns are dropped; a missing column or a value that cannot be cast is a
    ContractError naming ``origin`` (the file), the field and, where known, the row.
    """
    schema = SCHEMAS[name]
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise ContractError(
            f"{origin}: missing column(s) {', '.join(missing)}; the {name} table needs {', '.join(schema.names)}"
        )
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
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


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
