"""The embedded warehouse: one DuckDB file, replaced as a whole at each publication.

A writer takes an exclusive lock file (``<file>.lock``), copies the current file to a
temporary file in the same folder, adds the snapshot there in one transaction,
checkpoints, fsyncs and ``os.replace``-s the copy into place (then fsyncs the folder).
Readers that opened the old file keep reading it undisturbed (on POSIX the old inode lives
on while it is open) and see the new snapshot when they reconnect; a process killed at any
moment leaves either the old file or the new one, never a mix. The file is written in
storage format v1.1.0 so that every DuckDB from 1.1 on opens it. docs/warehouse.md says why.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from .. import models
from .errors import WarehouseMissing, WarehouseUnreadable, check_layout, layout
from .schema import BY_NAME, SCHEMA, ddl, expected_columns

STORAGE_VERSION = "v1.1.0"
ALIAS = "warehouse"


def _read(con: duckdb.DuckDBPyConnection, name: str, snapshot_id: str | None, prefix: str = "") -> pa.Table:
    table = BY_NAME[name]
    columns = ", ".join(table.column_names)
    if not has_table(con, name, prefix):
        return table.arrow_schema.empty_table()
    sql = f"select {columns} from {prefix}{SCHEMA}.{name}"
    if snapshot_id is None:
        return con.sql(sql).to_arrow_table()
    return con.sql(sql + " where snapshot_id = ?", params=[snapshot_id]).to_arrow_table()


def has_table(con: duckdb.DuckDBPyConnection, name: str, prefix: str = "") -> bool:
    catalog = prefix.rstrip(".") or None
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
            "and database_name = coalesce(?, current_database())",
            [SCHEMA, name, catalog],
        ).fetchall()[0][0]
    )


def columns(con: duckdb.DuckDBPyConnection, prefix: str = "") -> dict[str, list[str]]:
    catalog = prefix.rstrip(".") or None
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = ? "
        "and database_name = coalesce(?, current_database()) order by table_name, column_index",
        [SCHEMA, catalog],
    ).fetchall()
    return layout(rows)


class Reader:
    """Read-only access to the warehouse file."""

    def __init__(self, path: Path) -> None:
        self.location = str(path)
        if not path.exists():
            raise WarehouseMissing(f"{path}: no warehouse yet; nothing has been published")
        try:
            self.con = duckdb.connect(str(path), read_only=True)
            found = columns(self.con)
        except duckdb.Error as error:
            raise WarehouseUnreadable(_unreadable(path, error)) from None
        check_layout(found, expected_columns(), self.location)

    def read(self, name: str, snapshot_id: str | None = None) -> pa.Table:
        return _read(self.con, name, snapshot_id)

    def snapshot_ids(self, name: str) -> set[str]:
        if not has_table(self.con, name):
            return set()
        return {row[0] for row in self.con.execute(f"select distinct snapshot_id from {SCHEMA}.{name}").fetchall()}

    def close(self) -> None:
        self.con.close()


def _unreadable(path: Path, error: Exception) -> str:
    return (
        f"{path}: cannot be read as a DuckDB warehouse ({str(error).splitlines()[0]}). It was left untouched and "
        "is never recreated over (its history would be lost): restore it from a backup, or point "
        "GOSPUBLIC_DATA_DIR elsewhere"
    )


class Writer:
    """The open copy a publication writes into."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.changed = False

    def read(self, name: str, snapshot_id: str | None = None) -> pa.Table:
        return _read(self.con, name, snapshot_id, f"{ALIAS}.")

    def insert(self, name: str, data: pa.Table) -> None:
        self.changed = True
        self.con.register("incoming", data)
        try:
            names = ", ".join(data.column_names)
            self.con.execute(f"insert into {ALIAS}.{SCHEMA}.{name} ({names}) select {names} from incoming")
        finally:
            self.con.unregister("incoming")

    def count(self, name: str, snapshot_id: str) -> int:
        sql = f"select count(*) from {ALIAS}.{SCHEMA}.{name} where snapshot_id = ?"
        return self.con.execute(sql, [snapshot_id]).fetchall()[0][0]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_readable(path: Path) -> None:
    """Open the current file read-only and read every table: a corrupt file fails here."""
    reader = Reader(path)
    try:
        for name, found in columns(reader.con).items():
            if name in BY_NAME and found:
                reader.con.execute(f"select count(*) from {SCHEMA}.{name}").fetchall()
    except duckdb.Error as error:
        raise WarehouseUnreadable(_unreadable(path, error)) from None
    finally:
        reader.close()


@contextlib.contextmanager
def writer(path: Path) -> Iterator[Writer]:
    """A writer over a copy of the warehouse; the copy replaces the file only if the block succeeds
    and something was inserted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time; readers never take this lock
        for stale in path.parent.glob(f".{path.name}.*.tmp*"):
            stale.unlink()  # left by a killed writer: never in place, never read
        copy = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            if path.exists():
                _check_readable(path)
                shutil.copyfile(path, copy)
            with models.connect() as con:
                con.execute(f"attach ? as {ALIAS} (storage_version '{STORAGE_VERSION}')", [str(copy)])
                con.execute(f"use {ALIAS}")
                found = columns(con, f"{ALIAS}.")
                check_layout(found, expected_columns(), str(path))
                if any(table not in found for table in expected_columns()):  # only when setting up
                    for statement in ddl("duckdb"):
                        con.execute(statement)
                out = Writer(con)
                con.execute("begin transaction")
                try:
                    yield out
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise
                con.execute(f"checkpoint {ALIAS}")
                con.execute("use memory")
                con.execute(f"detach {ALIAS}")
            if out.changed or not path.exists():
                _fsync(copy)
                os.replace(copy, path)
                _fsync(path.parent)
        finally:
            copy.unlink(missing_ok=True)
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
