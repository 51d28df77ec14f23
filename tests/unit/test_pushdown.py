"""Row-level expectations counted by DuckDB: the counts GX would give, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
from gospublic_rating import pushdown

ROWS = """
select * from (values
    ('a', 'x1', 1,    -1.0, 'vk',   true,  1,    1),
    ('a', 'x2', 2,    0.0,  'ok',   false, 2,    3),
    ('b', 'x1', null, 5.0,  'max',  null,  null, null),
    ('b', 'x1', 4,    null, null,   true,  5,    null),
    (null, null, 5,   'nan'::double, 'vk', true, null, 7)
) as t (page_id, post_id, n, ratio, platform, flag, a, b)
"""


def _suite(*expectations) -> dict:
    return {"name": "t.s", "expectations": [{"type": t, "kwargs": k} for t, k in expectations]}


def _counts(*expectations, params=None):
    with duckdb.connect() as con:
        return pushdown.check(con, ROWS, _suite(*expectations), params or {}, examples=5)


def test_each_kind_counts_the_rows_gx_counts_as_unexpected():
    pushed = _counts(
        ("expect_column_values_to_not_be_null", {"column": "n"}),  # row 3
        ("expect_column_values_to_not_be_null", {"column": "ratio"}),  # row 4 (null), row 5 (NaN)
        ("expect_column_values_to_be_in_set", {"column": "platform", "value_set": ["vk", "ok"]}),  # 'max'; null skipped
        ("expect_column_values_to_be_between", {"column": "n", "min_value": 2, "max_value": 4}),  # 1, 5
        ("expect_column_values_to_be_between", {"column": "n", "min_value": 2, "strict_min": True}),  # 1, 2
        (
            "expect_column_values_to_be_between",
            {"column": "ratio", "max_value": 0.0, "strict_max": True},
        ),  # 0, 5 (not NaN)
        ("expect_column_pair_values_to_be_equal", {"column_A": "a", "column_B": "b"}),  # rows 2, 4, 5; 3 both null
        ("expect_column_values_to_be_unique", {"column": "page_id"}),  # a, a, b, b; null skipped
        ("expect_compound_columns_to_be_unique", {"column_list": ["page_id", "post_id"]}),  # (b, x1) twice
        ("expect_column_values_to_be_in_set", {"column": "flag", "value_set": [True]}),  # false
    )
    assert pushed.rows == 5
    assert pushed.counts == [1, 2, 1, 2, 2, 2, 3, 4, 2, 1]
    assert pushed.errors == [None] * 10


def test_parameters_and_timestamps_are_bound_as_values():
    sql = (
        "select * from (values (timestamptz '2026-10-01 00:00:00+03'), (timestamptz '2026-11-01 00:00:00+03')) "
        "as t (published_at)"
    )
    suite = _suite(
        (
            "expect_column_values_to_be_between",
            {
                "column": "published_at",
                "min_value": {"$PARAMETER": "start"},
                "max_value": {"$PARAMETER": "end"},
                "strict_max": True,
            },
        )
    )
    params = {"start": datetime(2026, 9, 30, 21, tzinfo=UTC), "end": datetime(2026, 10, 31, 21, tzinfo=UTC)}
    with duckdb.connect() as con:
        pushed = pushdown.check(con, sql, suite, params, examples=5)
    assert pushed.counts == [1]
    assert list(pushed.examples["published_at"].astype(str)) == ["2026-10-31 21:00:00+00:00"]


def test_examples_are_the_breaking_rows_with_whole_groups_of_a_repeated_key():
    pushed = _counts(
        ("expect_compound_columns_to_be_unique", {"column_list": ["page_id", "post_id"]}),
        ("expect_column_values_to_be_in_set", {"column": "platform", "value_set": ["vk", "ok"]}),
        ("expect_column_values_to_not_be_null", {"column": "page_id"}),
    )
    assert pushed.counts == [2, 1, 1]
    # both (b, x1) rows, once each although the first also breaks the set; the null page row
    assert sorted(pushed.examples["page_id"].fillna("-")) == ["-", "b", "b"]
    assert sorted(pushed.examples["platform"].fillna("-")) == ["-", "max", "vk"]


def test_nothing_broken_gives_an_empty_frame_of_the_frame_columns():
    pushed = _counts(("expect_column_values_to_be_between", {"column": "n", "min_value": 0}))
    assert pushed.counts == [0] and len(pushed.examples) == 0
    assert list(pushed.examples.columns) == ["page_id", "post_id", "n", "ratio", "platform", "flag", "a", "b"]


def test_a_comparison_of_text_with_a_number_is_an_error_of_that_expectation_only():
    pushed = _counts(
        ("expect_column_values_to_be_between", {"column": "platform", "min_value": 0}),
        ("expect_column_values_to_be_between", {"column": "missing", "min_value": 0}),
        ("expect_column_values_to_not_be_null", {"column": "n"}),
    )
    assert pushed.counts == [None, None, 1]
    assert "cannot be compared with 0" in pushed.errors[0] and "no column 'missing'" in pushed.errors[1]


def test_a_repeated_hash_of_different_keys_is_recounted_exactly(monkeypatch):
    # Every key hashes alike (as if all collided): the exact recount finds no repeated key.
    sql = "select * from (values (1), (2), (3)) t(k)"
    monkeypatch.setattr(pushdown, "_keyed", lambda keys: ("42", "true"))
    with duckdb.connect() as con:
        pushed = pushdown.check(con, sql, _suite(("expect_column_values_to_be_unique", {"column": "k"})), {}, 5)
    assert pushed.counts == [0]


def test_repeated_keys_are_found_in_every_pass_of_the_partitioned_sort_and_counted_exactly(monkeypatch):
    # 1,000 keys twice, 3,000 once (and two rows without a key), sorted in 4 passes by hash % 4
    sql = "select case when i < 2 then null else i % 4000 end as k from range(5002) t(i)"
    passes = []

    def four(con, rows):
        passes.append(rows)
        return 4

    monkeypatch.setattr(pushdown, "_passes", four)
    with duckdb.connect() as con:
        in_passes = con.execute(f"select count(distinct hash(k) % 4) from ({sql}) where k < 1000").fetchall()[0][0]
        pushed = pushdown.check(con, sql, _suite(("expect_column_values_to_be_unique", {"column": "k"})), {}, 5)
    assert in_passes == 4  # the repeated keys fall in every pass
    assert passes == [5000] and pushed.counts == [2000]
    assert len(pushed.examples) == 10  # five repeated keys, both rows of each


def test_the_passes_keep_each_sort_within_a_share_of_the_memory_limit():
    with duckdb.connect(config={"memory_limit": "2GB"}) as con:
        assert pushdown._passes(con, 1_000_000) == 1
        assert pushdown._passes(con, 52_000_000) > 4
        per_pass = 52_000_000 / pushdown._passes(con, 52_000_000)
    assert per_pass * pushdown._SORT_BYTES_PER_ROW <= 2 * 10**9 * pushdown._PASS_BYTES_SHARE
    assert pushdown._bytes("1.8 GiB") == int(1.8 * 2**30) and pushdown._bytes("953.6 MiB") == int(953.6 * 2**20)


@pytest.mark.parametrize(
    ("kwargs", "pushable"),
    [({"column": "x"}, True), ({"column": "x", "mostly": 0.9}, False)],
)
def test_only_suites_of_known_row_level_expectations_are_pushed_down(kwargs, pushable):
    assert pushdown.pushable(_suite(("expect_column_values_to_not_be_null", kwargs))) is pushable
    assert not pushdown.pushable(_suite(("expect_table_row_count_to_equal", {"value": 1})))


def test_sql_that_raises_is_an_error_of_its_expectation_and_the_others_are_still_counted():
    pushed = _counts(
        ("expect_column_values_to_be_in_set", {"column": "page_id", "value_set": [1, 2]}),  # 'a' is no integer
        ("expect_column_values_to_not_be_null", {"column": "n"}),
        ("expect_column_values_to_be_unique", {"column": "page_id"}),
    )
    assert pushed.counts == [None, 1, 4] and pushed.rows == 5
    assert "list_contains" in pushed.errors[0] and pushed.errors[1:] == [None, None]
