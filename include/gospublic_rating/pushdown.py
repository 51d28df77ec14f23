"""Row-level expectations pushed down into DuckDB: violating rows counted and sampled by SQL.

A suite whose expectations are all row-level (``ROW_LEVEL``: not null, in set, between,
pair equal, unique, compound unique) is not handed to GX as a frame of every row. DuckDB
counts, in one scan of the check frame, the rows that break each expectation (uniqueness:
one sort of the key's hashes per unique expectation, recounted exactly when a hash repeats)
and, only when some count is not zero, selects a few of the rows that break each one. GX
then evaluates the whole suite on that small frame of example rows (empty when nothing
broke), so the failing-row examples in the evidence are GX's own; validation.py merges
DuckDB's counts into GX's results. The suite stays the only statement of what is checked:
the SQL here is derived from each expectation's type and arguments, and an expectation
fails when DuckDB counts a violating row or GX fails it on the examples.
"""

from __future__ import annotations

import datetime as dt
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


def _repeats(con, source: str, hashed: str, where: str, params: dict) -> int:
    """Rows of ``source`` whose ``hashed`` equals the next in sorted order (0: no hash repeats).

    A sort spills gracefully and beat a hash aggregate of every key at 5 M and 50 M rows.
    """
    sql = (
        f"{source} select count(*) from (select h, lead(h) over (order by h) as next_h "
        f"from (select {hashed} as h from rows where {where})) where h = next_h"
    )
    return int(models.execute(con, sql, params).fetchall()[0][0])


def _duplicates(con, frame: str, keys: list[str], params: dict) -> int:
    """Rows whose key (not all null) another row repeats, counted exactly, as GX counts them
    (every copy); only rows of a repeated hash are grouped by their key."""
    hashed, present = _keyed(keys)
    quoted = ", ".join(_quote(k) for k in keys)
    exact = (
        f"with frame as ({frame}), repeated as (select {hashed} as h from frame where {present} "
        f"group by h having count(*) > 1) select coalesce(sum(n), 0)::bigint from (select count(*) as n "
        f"from frame where {present} and {hashed} in (select h from repeated) group by {quoted} having count(*) > 1)"
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
    try:
        rows = _count_once(con, frame, predicates, unique, bound, counts)
    except duckdb.Error:
        rows = _count_apart(con, frame, predicates, unique, bound, counts, errors)
    for i, keys in unique.items():
        if counts[i]:
            counts[i] = _duplicates(con, frame, keys, params)  # a repeated hash: count exactly
    return Pushdown(rows, counts, errors, _examples(con, frame, expectations, predicates, counts, bound, examples))


def _count_once(con, frame: str, predicates: dict[int, str], unique: dict[int, list[str]], bound, counts) -> int:
    """One scan of the frame into a narrow temporary table (a flag per predicate, a hash per
    unique key), then the counts from it; return the frame's rows."""
    columns = ["true as row_present"] + [f"({p}) as broken_{i}" for i, p in predicates.items()]
    for i, keys in unique.items():
        hashed, present = _keyed(keys)
        columns.append(f"case when {present} then {hashed} end as key_hash_{i}")
    table = "pushdown_rows"
    models.execute(
        con,
        f"create or replace temp table {table} as with frame as ({frame}) select {', '.join(columns)} from frame",
        bound,
    )
    try:
        flags = "".join(f", count(*) filter (where broken_{i})" for i in predicates)
        totals = con.execute(f"select count(*){flags} from {table}").fetchall()[0]
        for i, total in zip(predicates, totals[1:], strict=True):
            counts[i] = int(total)
        for i in unique:
            counts[i] = _repeats(
                con, f"with rows as (select * from {table})", f"key_hash_{i}", f"key_hash_{i} is not null", {}
            )
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
        counts[i] = _repeats(con, f"with rows as ({frame})", hashed, present, bound)
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
            hashed, present = _keyed(keys)
            ctes.append(
                f"repeated_{i} as (select {hashed} as h from frame where {present} "
                f"group by h having count(*) > 1 order by h limit {examples})"
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
