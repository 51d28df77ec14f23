"""Runs the SQL models in ``sql/`` with DuckDB, layer by layer.

The models are the ``.sql`` files of the layer folders ``sql/staging``, ``sql/intermediate``
and ``sql/marts``, each holding one SELECT; a model that reads another model of its layer is
built after it. Staging models are views (dbt's convention): the models after them read
through them, so the month's posts are scanned once, by the page metrics, and never copied;
intermediate and marts models are tables. Models read their inputs by plain names:
``raw_<table>`` for the contract tables, the names of other models, and the methodology
tables ``methodology_indicators`` and ``methodology_platforms``. Scalar parameters of the
methodology and the period are bound as ``$name`` (prepared-statement parameters; a view
keeps the values it was defined with), so no weight or threshold is a literal in SQL.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from . import settings
from .contract import TABLES
from .lake import PROJECT_ROOT, RunLake, data_dir
from .methodology import Methodology
from .period import Period

SQL_DIR = PROJECT_ROOT / "sql"

LAYER_NAMES = ("staging", "intermediate", "marts")
# Layers whose models are views; the models of the other layers are tables.
VIEW_LAYERS = frozenset({"staging"})
# Views that are not written to the lake: each later task defines them again over the raw
# files. The staged posts are the month's whole volume; copying them cost as much as reading them.
UNWRITTEN_VIEWS = frozenset({"stg_posts"})
_PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")


def _in_build_order(layer: str) -> tuple[str, ...]:
    """The models of ``sql/<layer>/``: a model after the models of its layer that it reads, else by name."""
    sql = {path.stem: path.read_text(encoding="utf-8") for path in sorted((SQL_DIR / layer).glob("*.sql"))}
    reads = {
        model: {other for other in sql if other != model and re.search(rf"\b{other}\b", text)}
        for model, text in sql.items()
    }
    ordered: list[str] = []
    while len(ordered) < len(sql):
        ready = [m for m in sql if m not in ordered and reads[m] <= set(ordered)]
        if not ready:
            raise RuntimeError(f"models of sql/{layer} read each other in a cycle: {sorted(set(sql) - set(ordered))}")
        ordered.append(ready[0])
    return tuple(ordered)


# The models of each layer, in the order they are built (derived from the folders).
LAYERS: dict[str, tuple[str, ...]] = {layer: _in_build_order(layer) for layer in LAYER_NAMES}


def is_view(layer: str) -> bool:
    return layer in VIEW_LAYERS


def model_sql(layer: str, model: str) -> str:
    return (SQL_DIR / layer / f"{model}.sql").read_text(encoding="utf-8")


def sql_parameters(methodology: Methodology, period: Period) -> dict[str, object]:
    return {
        **methodology.params,
        "period": str(period),
        "period_start": period.start_utc,
        "period_end": period.end_utc,
    }


def bind(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The ``$name`` parameters ``sql`` uses, with their values from ``params``."""
    return {name: params[name] for name in set(_PARAM_RE.findall(sql))}


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> duckdb.DuckDBPyConnection:
    """Execute ``sql``, binding the ``$name`` parameters it uses from ``params``."""
    return con.execute(sql, bind(sql, params))


@contextmanager
def connect(database: str | Path = ":memory:", read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with explicit limits so that large months spill instead of failing."""
    temp = data_dir() / "tmp" / "duckdb"
    temp.mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": settings.duckdb_memory_limit(),
        "threads": settings.duckdb_threads(),
        "temp_directory": str(temp),
        # Models are sets; readers order explicitly. Not preserving order lets DuckDB stream.
        "preserve_insertion_order": False,
    }
    con = duckdb.connect(str(database), read_only=read_only, config=config)
    try:
        yield con
    finally:
        con.close()


def install_methodology(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """Create the methodology tables the models join with."""
    con.execute(
        "create or replace table methodology_indicators "
        "(indicator varchar, block integer, name varchar, kind varchar, weight double)"
    )
    con.executemany(
        "insert into methodology_indicators values (?, ?, ?, ?, ?)",
        [(i.id, i.block, i.name, i.kind, i.weight) for i in methodology.indicators],
    )
    con.execute(
        "create or replace table methodology_platforms "
        "(platform varchar, is_mandatory boolean, reports_interactions boolean)"
    )
    con.executemany(
        "insert into methodology_platforms values (?, ?, ?)",
        [
            (p, p in methodology.mandatory_platforms, p in methodology.interaction_platforms)
            for p in methodology.platforms
        ],
    )


def build(
    con: duckdb.DuckDBPyConnection,
    layers: Iterable[str],
    methodology: Methodology,
    period: Period,
) -> dict[str, float]:
    """Create the models of ``layers`` in ``con`` (views or tables); return seconds per model.

    The inputs (raw_* and the models of earlier layers) must already be tables or views.
    """
    install_methodology(con, methodology)
    params = sql_parameters(methodology, period)
    seconds = {}
    for layer in layers:
        for model in LAYERS[layer]:
            started = time.perf_counter()
            _create(con, layer, model, params)
            seconds[model] = time.perf_counter() - started
    return seconds


def _create(con: duckdb.DuckDBPyConnection, layer: str, model: str, params: dict[str, object]) -> None:
    sql = model_sql(layer, model)
    try:
        if is_view(layer):
            # A view cannot take prepared parameters; a relation binds them and keeps them.
            con.sql(sql, params=bind(sql, params)).create_view(model, replace=True)
        else:
            execute(con, f"create or replace table {model} as\n{sql}", params)
    except duckdb.Error as error:
        raise RuntimeError(f"model {layer}/{model}.sql failed: {error}") from error


def attach_parquet(con: duckdb.DuckDBPyConnection, name: str, path: Path | str) -> None:
    """Create (or replace) view ``name`` over the Parquet file(s) at ``path`` (a file or a glob).

    The path goes to DuckDB as a value, never into SQL text (a view cannot take a
    prepared parameter; the relation API needs none): any character in a folder name is safe.
    """
    con.read_parquet(str(path)).create_view(name, replace=True)


def attach_raw(con: duckdb.DuckDBPyConnection, lake: RunLake) -> None:
    """Create views raw_<table> over the run's raw Parquet files."""
    for table in TABLES:
        attach_parquet(con, f"raw_{table}", lake.raw_glob(table))


def attach_layers(
    con: duckdb.DuckDBPyConnection, lake: RunLake, layers: Iterable[str], params: dict[str, object]
) -> None:
    """Make the models of already-built layers readable: tables from their Parquet files,
    views defined again over the raw files with ``params`` (``attach_raw`` and
    ``install_methodology`` first: staged posts join the methodology's platforms)."""
    for layer in layers:
        for model in LAYERS[layer]:
            if is_view(layer):
                _create(con, layer, model, params)
            else:
                attach_parquet(con, model, lake.layer(layer) / f"{model}.parquet")


def export_layer(con: duckdb.DuckDBPyConnection, lake: RunLake, layer: str) -> dict[str, int]:
    """Write each model of ``layer`` to <run>/<layer>/<model>.parquet atomically; return row counts.

    Views are written for readers of the lake (the warehouse reads the staged registry),
    except UNWRITTEN_VIEWS; later tasks read views through their definitions, not these files.
    """
    folder = lake.layer(layer)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for model in LAYERS[layer]:
        if model in UNWRITTEN_VIEWS:
            continue
        target = folder / f"{model}.parquet"
        tmp = folder / f".{model}.parquet.{os.getpid()}.tmp"
        try:
            con.execute(f"copy {model} to $path (format parquet, compression zstd)", {"path": str(tmp)})
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        counts[model] = con.execute(f"select count(*) from {model}").fetchall()[0][0]
    return counts


def layers_before(layer: str) -> list[str]:
    """The model layers built before ``layer``, in order."""
    order = list(LAYERS)
    return order[: order.index(layer)]


def run_layer(lake: RunLake, layer: str, methodology: Methodology, period: Period) -> dict[str, int]:
    """Build one layer of a run from the Parquet files of the layers before it."""
    with connect() as con:
        attach_raw(con, lake)
        install_methodology(con, methodology)
        attach_layers(con, lake, layers_before(layer), sql_parameters(methodology, period))
        build(con, [layer], methodology, period)
        return export_layer(con, lake, layer)


def run_volume(lake: RunLake, period: str) -> dict:
    """Registry pages, posts and page-stats coverage of a run's raw tables (the raw.run_volume check frame)."""
    sql = (SQL_DIR / "checks" / "raw" / "run_volume.sql").read_text(encoding="utf-8")
    with connect() as con:
        attach_raw(con, lake)
        cursor = execute(con, sql, {"period": period})
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchall()[0], strict=True))
