"""Fixtures of the SQL model tests: see builder.py for the row helpers and defaults."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import duckdb
import pytest

from .builder import Rating, build_rating


@pytest.fixture
def build() -> Iterator[Callable[..., Rating]]:
    """``build(regions=..., organizations=..., pages=..., page_stats=..., posts=...)`` -> Rating.

    Same arguments as ``builder.build_rating``; every connection is closed after the test.
    """
    opened: list[duckdb.DuckDBPyConnection] = []

    def connect() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        opened.append(con)
        return con

    def _build(**tables) -> Rating:
        return build_rating(connect=connect, **tables)

    yield _build
    for con in opened:
        con.close()
