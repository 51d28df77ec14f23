"""Content and chain hashes of snapshots, and their recomputation from stored rows.

Canonical form of a table (docs/warehouse.md): its declared columns except ``snapshot_id``,
cast to their declared Arrow types, rows sorted by the table's key, written as CSV by
Arrow (no header, every non-null value quoted, null as nothing, ``\\n`` line ends). The
digest of a table is sha256 of ``<table name>\\n`` followed by that CSV.

- ``content_hash`` = sha256 of the lines ``<name> <digest>`` for the content columns of
  ``runs`` and then every content table in the declared order: what was rated, with which
  inputs and methodology, and the result. Two publications with the same content hash
  hold the same snapshot.
- ``chain_hash`` = sha256 of ``previous_chain_hash``, ``content_hash``, the digest of the
  rest of the ``runs`` row (id, version, times, code, chain position) and the digest of
  ``validations``: each snapshot seals the one before it, so an edit or a deletion of any
  snapshot breaks the chain from there on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .schema import RUNS, RUNS_CONTENT_COLUMNS, RUNS_HASH_COLUMNS, TABLES, TYPES, VALIDATIONS, Table

CONTENT_TABLES = tuple(t for t in TABLES if t.part == "content")
RUNS_RUN_COLUMNS = tuple(c for c in RUNS.column_names if c not in RUNS_CONTENT_COLUMNS + RUNS_HASH_COLUMNS)
_SLICE_ROWS = 65536
_CSV = pacsv.WriteOptions(include_header=False, quoting_style="all_valid", batch_size=65536)


class _HashSink:
    """A write-only file object that feeds sha256."""

    closed = False

    def __init__(self, label: str) -> None:
        self.hash = hashlib.sha256(f"{label}\n".encode())

    def write(self, data) -> int:
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        pass


def _typed(table: Table, data: pa.Table, columns: Iterable[str] | None) -> tuple[pa.Table, pa.Array | None]:
    """``data`` reduced to ``columns`` (default: all but snapshot_id) and cast to their declared
    types, and the order that sorts it by the table's key (None: already in order)."""
    names = list(columns) if columns is not None else [c for c in table.column_names if c != "snapshot_id"]
    types = {c.name: TYPES[c.type][2] for c in table.columns}
    data = data.select(names).cast(pa.schema([pa.field(n, types[n]) for n in names]))
    key = [(k, "ascending", "at_start") for k in table.key if k in names]
    order = pc.sort_indices(data, sort_keys=key) if key and data.num_rows > 1 else None
    return data, order


def canonical(table: Table, data: pa.Table, columns: Iterable[str] | None = None) -> pa.Table:
    """``data`` reduced to ``columns`` (default: all but snapshot_id), typed and sorted canonically."""
    data, order = _typed(table, data, columns)
    return data if order is None else data.take(order)


def digest(table: Table, data: pa.Table, columns: Iterable[str] | None = None, label: str | None = None) -> str:
    """The digest of ``data`` in its canonical form, written in sorted slices (a snapshot's pages at
    ten times the nation are 0.6 GB: a whole sorted copy would double that)."""
    data, order = _typed(table, data, columns)
    sink = _HashSink(label or table.name)
    with pacsv.CSVWriter(sink, data.schema, write_options=_CSV) as writer:
        if order is None:
            writer.write_table(data)
        else:
            for start in range(0, len(order), _SLICE_ROWS):
                writer.write_table(data.take(order.slice(start, _SLICE_ROWS)))
    return sink.hash.hexdigest()


def _combine(parts: list[tuple[str, str]]) -> str:
    return hashlib.sha256("".join(f"{name} {value}\n" for name, value in parts).encode()).hexdigest()


def content_hash(run: pa.Table, tables: dict[str, pa.Table]) -> str:
    """Hash of a snapshot's content: ``run`` is its runs row, ``tables`` its content tables."""
    parts = [("runs", digest(RUNS, run, RUNS_CONTENT_COLUMNS, "runs.content"))]
    parts += [(t.name, digest(t, tables[t.name])) for t in CONTENT_TABLES]
    return _combine(parts)


def chain_hash(run: pa.Table, validations: pa.Table) -> str:
    """Hash that seals a snapshot and, through ``previous_chain_hash``, every one before it."""
    row = run.to_pylist()[0]
    return _combine(
        [
            ("previous", row["previous_chain_hash"] or ""),
            ("content", row["content_hash"]),
            ("runs", digest(RUNS, run, RUNS_RUN_COLUMNS, "runs.run")),
            ("validations", digest(VALIDATIONS, validations)),
        ]
    )


def verify_chain(
    read_table: Callable[[str, str | None], pa.Table],
    snapshot_ids: Callable[[str], set[str]],
    recheck: set[str] | None = None,
) -> list[str]:
    """Recompute the snapshots' hashes from the stored rows; return the problems found.

    ``read_table(name, snapshot_id)`` returns the stored rows of a table (all snapshots
    when ``snapshot_id`` is None); ``snapshot_ids(name)`` the snapshot ids a table holds rows of.
    Every link and chain hash is checked; content hashes are recomputed for the snapshots in
    ``recheck`` (None: all). An empty list means they and the chain check out.
    """
    runs = canonical(RUNS, read_table("runs", None), RUNS.column_names).sort_by("seq").to_pylist()
    problems = []
    known = {r["snapshot_id"] for r in runs}
    previous = None
    for position, row in enumerate(runs, start=1):
        sid = row["snapshot_id"]
        if row["seq"] != position:
            problems.append(f"snapshot {sid}: chain position {row['seq']}, expected {position} (a snapshot is missing)")
        expected_previous = previous["chain_hash"] if previous else None
        if row["previous_chain_hash"] != expected_previous:
            problems.append(f"snapshot {sid}: previous_chain_hash does not match the chain_hash of the snapshot before")
        run = pa.Table.from_pylist([row], schema=RUNS.arrow_schema)
        if recheck is None or sid in recheck:
            tables = {t.name: read_table(t.name, sid) for t in CONTENT_TABLES}
            if content_hash(run, tables) != row["content_hash"]:
                problems.append(f"snapshot {sid}: content hash differs from the stored one{_changed_tables(tables)}")
        if chain_hash(run, read_table(VALIDATIONS.name, sid)) != row["chain_hash"]:
            problems.append(f"snapshot {sid}: chain hash differs from the stored one (runs row or validations edited)")
        previous = row
    for table in TABLES[1:]:
        for orphan in sorted(snapshot_ids(table.name) - known):
            problems.append(f"table {table.name} holds rows of snapshot {orphan}, which is not in snapshot.runs")
    return problems


def _changed_tables(tables: dict[str, pa.Table]) -> str:
    """Which content tables are empty (deleted rows) — a hint for the message."""
    empty = [name for name, data in tables.items() if data.num_rows == 0]
    return f" (no rows left in: {', '.join(empty)})" if empty else " (rows were edited, added or deleted)"
