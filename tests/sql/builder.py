"""Tiny input fixtures for the SQL models, and readers of what the models produce.

A test lists the contract rows it cares about (plain dicts, or the helpers below), the
builder fills every other column with a harmless default, loads the rows as the raw_*
tables of a fresh in-memory DuckDB (typed by ``contract.SCHEMAS``), runs all model
layers for the period 2026-10 and returns a ``Rating`` to read the results from.
The methodology is pinned: v1 unless a test names another (``methodology_version="v2"``),
so that a new methodology never changes what an existing test checks.

Period 2026-10 in Moscow time (UTC+3, no DST) is [2026-10-01 00:00+03, 2026-11-01 00:00+03),
i.e. [2026-09-30 21:00 UTC, 2026-10-31 21:00 UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
from gospublic_rating import methodology, models
from gospublic_rating.contract import SCHEMAS, TABLES
from gospublic_rating.period import Period

PERIOD = "2026-10"
# Well inside the period, whatever the time zone.
IN_PERIOD = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
# The platform data is observed after the period ended.
OBSERVED_AT = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)

Row = dict[str, Any]


def _platform(row: Row) -> str:
    """Page ids are `{platform}:{platform_page_id}` (contract), so the platform is the prefix."""
    return row["page_id"].split(":", 1)[0]


# Defaults per contract table: a value, or a function of the row being completed.
DEFAULTS: dict[str, dict[str, Any]] = {
    "regions": {
        "region_name": lambda row: f"Регион {row['region_code']}",
        "federal_district": "Центральный",
    },
    "organizations": {
        "org_name": lambda row: f"Организация {row['org_id']}",
        "org_kind": "regional_authority",
        "admin_qualified": False,
    },
    "pages": {
        "platform": _platform,
        "platform_page_id": lambda row: row["page_id"].split(":", 1)[1],
        "gov_mark": False,
        "pos_connected": False,
    },
    "page_stats": {
        "platform": _platform,
        "period": PERIOD,
        "observed_at": OBSERVED_AT,
        "status": "active",
        # contract: followers is null when the page is not active
        "followers": lambda row: 100 if row.get("status", "active") == "active" else None,
        "platform_gov_mark": None,
    },
    "posts": {
        "platform": _platform,
        "published_at": IN_PERIOD,
        "views": 0,
        "likes": 0,
        "comments": 0,
        "reposts": 0,
    },
}


# --- row helpers ------------------------------------------------------------------------


def region(code: str, **columns: Any) -> Row:
    return {"region_code": code, **columns}


def org(org_id: str, region_code: str, qualified: bool = False, **columns: Any) -> Row:
    return {"org_id": org_id, "region_code": region_code, "admin_qualified": qualified, **columns}


def page(page_id: str, org_id: str, gov_mark: bool = False, pos_connected: bool = False, **columns: Any) -> Row:
    """A registry page; the platform is taken from the page id prefix (vk:, ok:, telegram:, max:)."""
    return {"page_id": page_id, "org_id": org_id, "gov_mark": gov_mark, "pos_connected": pos_connected, **columns}


def stats(page_id: str, status: str = "active", **columns: Any) -> Row:
    """The page_stats row of a page for 2026-10 (active with 100 followers unless told)."""
    return {"page_id": page_id, "status": status, **columns}


def post(page_id: str, post_id: str, **columns: Any) -> Row:
    return {"page_id": page_id, "post_id": post_id, **columns}


def posts(page_id: str, count: int, **counters: Any) -> list[Row]:
    """``count`` posts of a page (post ids "1".."count"), each with the same counters."""
    return [post(page_id, str(i), **counters) for i in range(1, count + 1)]


def dialogue_regions(comments: Mapping[str, int | None], views: Mapping[str, int] | None = None) -> dict:
    """Tables where each region has one organisation (not qualified) with one live vk page and
    that page one post of 1000 views (or ``views[region]``) and ``comments[region]`` comments,
    so I8 = 1000 * comments / views; None: no post at all, so no views and I8 is null.

    One post is not regular (I5 = 0; I6, I7 null); no ok page (I1 = 0); nothing marked,
    connected or qualified (I2 = I3 = I4 = 0). So total = 0.5 * 0.15 * score(I8).
    """
    tables: dict[str, list] = {
        "regions": list(comments),
        "organizations": [],
        "pages": [],
        "page_stats": [],
        "posts": [],
    }
    for code, count in comments.items():
        tables["organizations"].append(org(f"{code}-a", code))
        tables["pages"].append(page(f"vk:{code}", f"{code}-a"))
        tables["page_stats"].append(stats(f"vk:{code}"))
        if count is not None:
            tables["posts"].append(post(f"vk:{code}", "1", views=(views or {}).get(code, 1000), comments=count))
    return tables


# --- building ---------------------------------------------------------------------------


def complete(table: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Fill the columns a row leaves out and type the rows with the contract schema."""
    schema = SCHEMAS[table]
    full = []
    for given in rows:
        row = dict(given)
        unknown = set(row) - set(schema.names)
        if unknown:
            raise ValueError(f"{table}: no column(s) {sorted(unknown)} in the contract")
        for name, default in DEFAULTS[table].items():
            if name not in row:
                row[name] = default(row) if callable(default) else default
        full.append(row)
    return pa.Table.from_pylist(full, schema=schema)


@dataclass
class Rating:
    """The built models of one fixture."""

    con: duckdb.DuckDBPyConnection

    def rows(self, sql: str, params: list[Any] | None = None) -> list[Row]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def indicators(self) -> dict[tuple[str, str], tuple[float | None, float]]:
        """{(region_code, indicator): (value, score)} from the `indicators` mart."""
        return {
            (r["region_code"], r["indicator"]): (r["value"], r["score"])
            for r in self.rows("select region_code, indicator, value, score from indicators")
        }

    def indicator(self, region_code: str, indicator: str) -> Row:
        """The full `indicators` row of one region and indicator."""
        (row,) = self.rows("select * from indicators where region_code = ? and indicator = ?", [region_code, indicator])
        return row

    def value(self, region_code: str, indicator: str) -> float | None:
        return self.indicator(region_code, indicator)["value"]

    def score(self, region_code: str, indicator: str) -> float:
        return self.indicator(region_code, indicator)["score"]

    def ranking(self) -> list[Row]:
        """The `ranking` mart, best place first (ties by region code)."""
        return self.rows("select * from ranking order by place, region_code")

    def ranked(self, region_code: str) -> Row:
        (row,) = self.rows("select * from ranking where region_code = ?", [region_code])
        return row

    def places(self) -> dict[str, int]:
        return {r["region_code"]: r["place"] for r in self.ranking()}


def build_rating(
    *,
    regions: Iterable[str | Row] = ("01",),
    organizations: Iterable[Row] = (),
    pages: Iterable[Row] = (),
    page_stats: Iterable[Row] = (),
    posts: Iterable[Row] = (),
    period: str = PERIOD,
    timezone: str | None = None,
    connect: Callable[[], duckdb.DuckDBPyConnection] = duckdb.connect,
    methodology_version: str = "v1",
) -> Rating:
    """Load the rows as raw_<table> in a fresh in-memory DuckDB and build every model layer.

    ``regions`` may be plain region codes. ``timezone`` sets the session TimeZone, to show
    that nothing depends on it.
    """
    given = {
        "regions": [region(r) if isinstance(r, str) else r for r in regions],
        "organizations": organizations,
        "pages": pages,
        "page_stats": page_stats,
        "posts": posts,
    }
    con = connect()
    if timezone is not None:
        con.execute(f"set TimeZone = '{timezone}'")
    for table in TABLES:
        con.register("contract_rows", complete(table, given[table]))
        con.execute(f"create table raw_{table} as select * from contract_rows")
        con.unregister("contract_rows")
    models.build(con, models.LAYERS, methodology.load(methodology_version), Period.parse(period))
    return Rating(con)
