"""The deployment warehouse: the same snapshot tables in PostgreSQL (psycopg 3).

One transaction per snapshot (big tables go in with COPY); writers queue on an advisory
lock. Readers receive a table as COPY's CSV, parsed by pyarrow with the declared schema.
The database itself keeps snapshots immutable for every client: triggers refuse UPDATE,
DELETE and TRUNCATE on every snapshot table, and the role ``gospublic_auditor`` (created
when missing, NOLOGIN: grant it to auditors' logins) may only SELECT.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import WarehouseUnreadable, check_layout, layout
from .schema import BY_NAME, SCHEMA, TABLES, VIEWS, ddl, expected_columns

AUDITOR = "gospublic_auditor"
_LOCK_KEY = 0x60590B11C  # advisory lock of the warehouse writer
_BLOCK = 4 << 20  # bytes of CSV parsed at a time when reading
_CSV = pacsv.WriteOptions(include_header=False, quoting_style="all_valid", batch_size=65536)

_IMMUTABILITY = [
    f"""
    create or replace function {SCHEMA}.refuse_change() returns trigger language plpgsql as $$
    begin
        raise exception 'snapshot tables are immutable: % on %.% refused', tg_op, tg_table_schema, tg_table_name
            using errcode = 'insufficient_privilege';
    end
    $$
    """,
    *(
        statement
        for table in TABLES
        for statement in (
            f"create or replace trigger refuse_update_delete before update or delete on {SCHEMA}.{table.name} "
            f"for each row execute function {SCHEMA}.refuse_change()",
            f"create or replace trigger refuse_truncate before truncate on {SCHEMA}.{table.name} "
            f"for each statement execute function {SCHEMA}.refuse_change()",
        )
    ),
    f"""
    do $$ begin
        create role {AUDITOR} nologin;
    exception when duplicate_object or unique_violation then null;
    end $$
    """,
    f"revoke all on all tables in schema {SCHEMA} from public",
    f"grant usage on schema {SCHEMA} to {AUDITOR}",
    f"grant select on all tables in schema {SCHEMA} to {AUDITOR}",
]


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url)
    except psycopg.Error as error:
        raise WarehouseUnreadable(f"{redact(url)}: cannot connect to the warehouse ({error})") from None


def redact(url: str) -> str:
    """The URL without a password."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"


def _read(con: psycopg.Connection, name: str, snapshot_id: str | None) -> pa.Table:
    """The table's rows (of one snapshot, or all), streamed by ``COPY ... TO STDOUT (FORMAT csv)`` into Arrow."""
    table = BY_NAME[name]
    exists = con.execute("select to_regclass(%s) is not null", [f"{SCHEMA}.{name}"]).fetchone()[0]
    if not exists:
        return table.arrow_schema.empty_table()
    # How COPY writes values, whatever the server's, role's or URL's defaults (until the transaction ends).
    con.execute(
        "select set_config('client_encoding', 'UTF8', true), set_config('timezone', 'UTC', true), "
        "set_config('datestyle', 'ISO', true), set_config('extra_float_digits', '3', true)"
    )
    query = f"select {', '.join(table.column_names)} from {SCHEMA}.{name}"
    if snapshot_id is not None:
        query += " where snapshot_id = %s"  # bound client-side: COPY takes no server-side parameters
    params = None if snapshot_id is None else [snapshot_id]
    blocks = []
    # one thread parses a block while this one receives the next (pyarrow lets go of the GIL)
    with ThreadPoolExecutor(1) as parser, con.cursor().copy(f"copy ({query}) to stdout (format csv)", params) as copy:
        block = bytearray()
        for row in copy:  # COPY TO sends one message per row: a block ends on a row boundary
            block += row
            if len(block) >= _BLOCK:
                blocks.append(parser.submit(_parse, block, table.arrow_schema))
                block = bytearray()
        if block:
            blocks.append(parser.submit(_parse, block, table.arrow_schema))
        parsed = [future.result() for future in blocks]
    if not parsed:
        return table.arrow_schema.empty_table()
    return pa.Table.from_arrays(pa.concat_tables(parsed).columns, schema=table.arrow_schema)


def _parse(block: bytearray, schema: pa.Schema) -> pa.Table:
    """Whole CSV rows of COPY into Arrow: NULL is an unquoted empty field, the empty string a quoted one."""
    return pacsv.read_csv(
        pa.py_buffer(block),
        read_options=pacsv.ReadOptions(column_names=schema.names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types=schema,
            null_values=[""],
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def columns(con: psycopg.Connection) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = %s "
        "order by table_name, ordinal_position",
        [SCHEMA],
    ).fetchall()
    return layout(rows)


class Reader:
    def __init__(self, url: str) -> None:
        self.location = redact(url)
        self.con = _connect(url)
        self.con.read_only = True
        check_layout(columns(self.con), expected_columns(), self.location)

    def read(self, name: str, snapshot_id: str | None = None) -> pa.Table:
        return _read(self.con, name, snapshot_id)

    def snapshot_ids(self, name: str) -> set[str]:
        if not self.con.execute("select to_regclass(%s) is not null", [f"{SCHEMA}.{name}"]).fetchone()[0]:
            return set()
        return {row[0] for row in self.con.execute(f"select distinct snapshot_id from {SCHEMA}.{name}").fetchall()}

    def close(self) -> None:
        self.con.close()


class Writer:
    def __init__(self, con: psycopg.Connection) -> None:
        self.con = con
        self.changed = False

    def read(self, name: str, snapshot_id: str | None = None) -> pa.Table:
        return _read(self.con, name, snapshot_id)

    def insert(self, name: str, data: pa.Table) -> None:
        self.changed = True
        sink = pa.BufferOutputStream()
        pacsv.write_csv(data, sink, _CSV)
        with self.con.cursor().copy(
            f"copy {SCHEMA}.{name} ({', '.join(data.column_names)}) from stdin (format csv)"
        ) as copy:
            copy.write(sink.getvalue().to_pybytes())

    def count(self, name: str, snapshot_id: str) -> int:
        sql = f"select count(*) from {SCHEMA}.{name} where snapshot_id = %s"
        return self.con.execute(sql, [snapshot_id]).fetchone()[0]


@contextlib.contextmanager
def writer(url: str) -> Iterator[Writer]:
    """One transaction: schema and guards when missing, then the snapshot; committed if the block succeeds."""
    with _connect(url) as con:  # psycopg: commit on success, rollback on exception
        con.execute("select pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        found = columns(con)
        check_layout(found, expected_columns(), redact(url))
        if any(name not in found for name in [*(table.name for table in TABLES), *VIEWS]):
            # only when setting up (or a view was added): the guards take locks that would wait for open readers
            for statement in ddl("postgres") + _IMMUTABILITY:
                con.execute(statement)
        yield Writer(con)
