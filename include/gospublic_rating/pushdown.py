"""Row-level expectations pushed down into DuckDB: violating rows counted and sampled by SQL.

A suite whose expectations are all row-level (``ROW_LEVEL``: not null, in set, between,
pair equal, unique, compound unique) is not handed to GX as a frame of every row. DuckDB
counts the rows that break each expectation from one scan of the check frame into a narrow
temporary table (each row's flags packed as bits, a hash per unique key; uniqueness: the
hashes sorted in hash-partitioned passes that keep each sort within a share of the memory
limit, recounted exactly when a hash repeats) and, only when some count is not zero, selects
a few of the rows that break each one. GX then evaluates the whole suite on that small
frame of example rows (empty when nothing broke), so the failing-row examples in the
evidence are GX's own; validation.py merges DuckDB's counts into GX's results. The suite
stays the only statement of what is checked: the SQL here is derived from each
expectation's type and arguments, and an expectation fails when DuckDB counts a violating
row or GX fails it on the examples.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb

from . import models

ROW_LEVEL = {
    "expect_column_values_to_not_be_null": {"column"},
    "expect_column_values_to_be_in_set": {"column", "value_set"},
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_pair_values_to_be_equal": {"column_A", "column_B"},
    "expect_column_values_to_be_unique": {"column"},
    "expect_compound_columns_to_be_unique": {"column_list"},
}
_UNIQUE = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_FLOATS = ("FLOAT", "DOUBLE")
# Share of DuckDB's memory limit one pass of the uniqueness sort may take, and what a sorted
# key hash takes in it (measured: ~26 bytes a row sorting 13 M hashes with lead()).
_PASS_BYTES_SHARE = 0.125
_SORT_BYTES_PER_ROW = 32


class NotPushable(ValueError):
    """An expectation this module cannot state in SQL (GX then checks the whole frame)."""


@dataclass
class Pushdown:
    rows: int
    counts: list[int | None]  # violating rows per expectation, None when its SQL raised
    errors: list[str | None]  # the error of an expectation whose SQL raised
    examples: object  # pandas frame of example rows (GX evaluates the suite on it)


def pandas_frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]):
    """What ``sql`` selects, as pandas (through Arrow: strings stay Arrow-backed, nearly no copy)."""
    return con.sql(sql, params=models.bind(sql, params)).to_arrow_table().to_pandas()


def pushable(suite_json: dict) -> bool:
    """Whether every expectation of the suite is row-level with arguments this module knows."""
    return all(e["type"] in ROW_LEVEL and set(e["kwargs"]) <= ROW_LEVEL[e["type"]] for e in suite_json["expectations"])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(value, params: dict):
    if isinstance(value, dict) and "$PARAMETER" in value:
        return params[value["$PARAMETER"]]
    return value


def _keys(expectation: dict) -> list[str]:
    kwargs = expectation["kwargs"]
    return [kwargs["column"]] if "column" in kwargs else list(kwargs["column_list"])


def _kind(value) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.datetime | dt.date):
        return "time"
    return None


def _predicate(i: int, expectation: dict, types: dict[str, str], params: dict, bound: dict) -> str:
    """SQL that is true on a row that breaks expectation ``i`` (not for the unique ones).

    Like GX, a null (or NaN) value breaks only expect_column_values_to_not_be_null, and a
    pair of nulls is equal. Values are bound as $parameters named after the expectation's index.
    """
    kind, kwargs = expectation["type"], expectation["kwargs"]
    if kind == "expect_column_pair_values_to_be_equal":
        return f"{_quote(kwargs['column_A'])} is distinct from {_quote(kwargs['column_B'])}"
    column = kwargs["column"]
    if column not in types:
        raise NotPushable(f"the check frame has no column {column!r}")
    c = _quote(column)
    # pandas, and so GX, takes a NaN for a missing value
    present = f"({c} is not null and not isnan({c}))" if types[column] in _FLOATS else f"{c} is not null"
    if kind == "expect_column_values_to_not_be_null":
        return f"not {present}"
    if kind == "expect_column_values_to_be_in_set":
        bound[f"set_{i}"] = list(_value(kwargs["value_set"], params))
        return f"{present} and not list_contains($set_{i}, {c})"
    low, high = _value(kwargs.get("min_value"), params), _value(kwargs.get("max_value"), params)
    if low is None and high is None:
        raise NotPushable("min_value and max_value cannot both be None")
    column_type = types[column].split("(")[0]
    for value in (low, high):
        wanted = _kind(value)
        is_number = column_type in _NUMERIC + _FLOATS or column_type == "DECIMAL"
        if (wanted == "number" and not is_number) or (
            wanted == "time" and not column_type.startswith(("TIMESTAMP", "DATE"))
        ):
            raise NotPushable(f"column {column!r} is {types[column]}, which cannot be compared with {value!r}")
    breaks = []
    if low is not None:
        bound[f"min_{i}"] = low
        breaks.append(f"{c} {'<=' if kwargs.get('strict_min') else '<'} $min_{i}")
    if high is not None:
        bound[f"max_{i}"] = high
        breaks.append(f"{c} {'>=' if kwargs.get('strict_max') else '>'} $max_{i}")
    return f"{present} and ({' or '.join(breaks)})"


def _keyed(keys: list[str]) -> tuple[str, str]:
    """(hash of the key columns, SQL true when not every key column is null)."""
    quoted = ", ".join(_quote(k) for k in keys)
    return f"hash({quoted})", "not (" + " and ".join(f"{_quote(k)} is null" for k in keys) + ")"


def _passes(con, rows: int) -> int:
    """How many hash-partitioned passes sort ``rows`` key hashes: each pass at most
    ``_PASS_BYTES_SHARE`` of DuckDB's memory limit (at ``_SORT_BYTES_PER_ROW``).

    DuckDB's sort takes what the limit allows, whatever the input: one sort of every hash
    held the whole limit at ten times national scale, on top of the hashes themselves.
    """
    limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    per_pass = max(1, int(_bytes(limit) * _PASS_BYTES_SHARE) // _SORT_BYTES_PER_ROW)
    return max(1, -(-rows // per_pass))


def _bytes(size: str) -> int:
    """Bytes of a DuckDB size setting such as '1.8 GiB' or '953.6 MiB' (1 GiB if unreadable)."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")
    match = re.fullmatch(r"([0-9.]+) ?([A-Za-z]+)", size.strip())
    if not match or match.group(2) not in units:
        return 2**30
    return int(float(match.group(1)) * 1024 ** units.index(match.group(2)))


def _repeated(con, table: str, column: str, i: int) -> int:
    """Put the hashes in ``table``.``column`` (null: a key of nulls only) that repeat into
    ``pushdown_repeated`` as expectation ``i``'s; return how many (0: no key repeats).

    The hashes are sorted in passes, pass k the hashes with ``h % passes = k``: a repeated
    hash falls in one pass whole, and no pass sorts more than its share of the memory limit.
    """
    con.execute(f"delete from pushdown_repeated where expectation = {i}")  # a pass before may have raised
    hashes = con.execute(f"select count({column}) from {table}").fetchall()[0][0]
    passes = _passes(con, hashes)
    for k in range(passes):
        part = f" and {column} % {passes} = {k}" if passes > 1 else ""
        con.execute(
            f"insert into pushdown_repeated select distinct {i}, h from (select {column} as h, lead({column}) "
            f"over (order by {column}) as next_h from {table} where {column} is not null{part}) where h = next_h"
        )
    return con.execute(f"select count(*) from pushdown_repeated where expectation = {i}").fetchall()[0][0]


def _duplicates(con, frame: str, i: int, keys: list[str], params: dict) -> int:
    """Rows whose key (not all null) another row repeats, counted exactly, as GX counts them
    (every copy); only rows of a repeated hash (``pushdown_repeated``) are grouped by their key."""
    hashed, present = _keyed(keys)
    quoted = ", ".join(f"frame.{_quote(k)}" for k in keys)
    # a join on the hash (a case: a key of nulls only has none), not a filter of the frame: a
    # filter made DuckDB build the frame's own join's hash table on the frame's rows
    exact = (
        f"with frame as ({frame}), repeated as (select h from pushdown_repeated where expectation = {i}) "
        f"select coalesce(sum(n), 0)::bigint from (select count(*) as n from frame join repeated "
        f"on (case when {present} then {hashed} end) = repeated.h group by {quoted} "
        f"having count(*) > 1)"
    )
    return int(models.execute(con, exact, params).fetchall()[0][0])


def check(con: duckdb.DuckDBPyConnection, frame: str, suite_json: dict, params: dict, examples: int) -> Pushdown:
    """Count the violating rows of each expectation of ``suite_json`` in ``frame`` (a SELECT)
    and select up to ``examples`` of them per expectation (whole groups for uniqueness)."""
    expectations = suite_json["expectations"]
    relation = con.sql(f"select * from ({frame}) limit 0", params=models.bind(frame, params))
    types = {name: str(t) for name, t in zip(relation.columns, relation.types, strict=True)}
    bound = dict(params)
    predicates: dict[int, str] = {}
    unique: dict[int, list[str]] = {}
    counts: list[int | None] = [None] * len(expectations)
    errors: list[str | None] = [None] * len(expectations)
    for i, expectation in enumerate(expectations):
        try:
            if expectation["type"] in _UNIQUE:
                keys = _keys(expectation)
                missing = [k for k in keys if k not in types]
                if missing:
                    raise NotPushable(f"the check frame has no column {missing[0]!r}")
                unique[i] = keys
            else:
                predicates[i] = _predicate(i, expectation, types, params, bound)
        except NotPushable as error:
            errors[i] = str(error)
    con.execute("create or replace temp table pushdown_repeated (expectation integer, h ubigint)")
    try:
        try:
            rows = _count_once(con, frame, predicates, unique, bound, counts)
        except duckdb.Error:
            rows = _count_apart(con, frame, predicates, unique, bound, counts, errors)
        for i, keys in unique.items():
            if counts[i]:
                counts[i] = _duplicates(con, frame, i, keys, params)  # a repeated hash: count exactly
        found = _examples(con, frame, expectations, predicates, counts, bound, examples)
    finally:
        con.execute("drop table if exists pushdown_repeated")
    return Pushdown(rows, counts, errors, found)


def _bits(predicates: dict[int, str]) -> list[tuple[str, str, dict[int, int]]]:
    """The predicates packed as bits of integer columns (64 a column, the narrowest type that
    holds them): (column, SQL of its value, predicate index -> bit)."""
    order = list(predicates)
    packed = []
    for g in range(0, len(order), 64):
        group = {i: 1 << b for b, i in enumerate(order[g : g + 64])}
        kind = next(
            t for n, t in ((8, "utinyint"), (16, "usmallint"), (32, "uinteger"), (64, "ubigint")) if len(group) <= n
        )
        value = " | ".join(f"(case when {predicates[i]} then {bit} else 0 end)::{kind}" for i, bit in group.items())
        packed.append((f"broken_bits_{g // 64}", value, group))
    return packed


def _count_once(con, frame: str, predicates: dict[int, str], unique: dict[int, list[str]], bound, counts) -> int:
    """One scan of the frame into a narrow temporary table (the predicates' flags packed as bits,
    a hash per unique key), then the counts from it; return the frame's rows.

    Per row the table holds a few bytes of flags and 8 bytes a unique key (50 M posts: ~0.55 GB);
    the flags are counted in one scan of it, the hashes sorted in passes (``_repeated``).
    """
    packed = _bits(predicates)
    columns = ["true as row_present"] + [f"{value} as {name}" for name, value, _ in packed]
    for i, keys in unique.items():
        hashed, present = _keyed(keys)
        # not a filter: a filter on the key made DuckDB build its join's hash table on the frame
        columns.append(f"case when {present} then {hashed} end as key_hash_{i}")
    table = "pushdown_rows"
    models.execute(
        con,
        f"create or replace temp table {table} as with frame as ({frame}) select {', '.join(columns)} from frame",
        bound,
    )
    try:
        flags = "".join(
            f", count(*) filter (where {name} & {bit} <> 0)" for name, _, group in packed for bit in group.values()
        )
        totals = con.execute(f"select count(*){flags} from {table}").fetchall()[0]
        for i, total in zip([i for _, _, group in packed for i in group], totals[1:], strict=True):
            counts[i] = int(total)
        for i in unique:
            counts[i] = _repeated(con, table, f"key_hash_{i}", i)
        return int(totals[0])
    finally:
        con.execute(f"drop table if exists {table}")


def _count_apart(con, frame: str, predicates, unique, bound: dict, counts: list, errors: list) -> int:
    """The counts of ``_count_once``, one query per expectation, when the one scan raised:
    so the error names its expectation."""
    for i, predicate in predicates.items():
        try:
            sql = f"with frame as ({frame}) select count(*) filter (where {predicate}) from frame"
            counts[i] = int(models.execute(con, sql, bound).fetchall()[0][0])
        except duckdb.Error as error:
            errors[i] = " ".join(str(error).split())
    for i, keys in unique.items():
        hashed, present = _keyed(keys)
        models.execute(
            con,
            f"create or replace temp table pushdown_keys as with frame as ({frame}) "
            f"select case when {present} then {hashed} end as h from frame",
            bound,
        )
        try:
            counts[i] = _repeated(con, "pushdown_keys", "h", i)
        finally:
            con.execute("drop table if exists pushdown_keys")
    return int(models.execute(con, f"select count(*) from ({frame})", bound).fetchall()[0][0])


def _examples(con, frame: str, expectations, predicates, counts, bound, examples: int):
    """Up to ``examples`` rows breaking each expectation whose count is not zero, in one scan.

    Each row is taken once, for the first expectation it breaks; rows of a repeated key
    come as whole groups (ordered by the key's hash), up to ``examples`` keys.
    """
    failing = [i for i, count in enumerate(counts) if count]
    if not failing:
        return pandas_frame(con, f"select * from ({frame}) limit 0", bound)
    ctes, first, order = [f"frame as ({frame})"], [], []
    for i in failing:
        expectation = expectations[i]
        if expectation["type"] in _UNIQUE:
            keys = _keys(expectation)
            hashed, _ = _keyed(keys)
            ctes.append(
                f"repeated_{i} as (select h from pushdown_repeated where expectation = {i} order by h limit {examples})"
            )
            first.append(f"when {hashed} in (select h from repeated_{i}) then {i}")
            order.append(f"when {i} then {hashed}")
        else:
            first.append(f"when {predicates[i]} then {i}")
    sql = (
        f"with {', '.join(ctes)}, marked as (select *, case {' '.join(first)} end as _broken_expectation from frame) "
        f"select * exclude (_broken_expectation) from marked where _broken_expectation is not null "
        f"qualify row_number() over (partition by _broken_expectation "
        f"order by case _broken_expectation {' '.join(order) or 'when -1 then 0'} else 0 end) <= {examples * 4}"
    )
    return pandas_frame(con, sql, bound)
