"""The warehouse, on both back ends: self-contained snapshots, versions, hashes, comments."""

from __future__ import annotations

import hashlib
import math
import struct
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from gospublic_rating import pipeline, warehouse
from gospublic_rating.warehouse import schema
from warehouse_backends import backend  # noqa: F401  (fixture)


@pytest.fixture
def built_run(run_month):
    return lambda run_id, scale=300: run_month(run_id, scale=scale, publish=False, methodology="v1")


def _read(table, snapshot_id=None):
    with warehouse.open_reader() as reader:
        return reader.read(table, snapshot_id)


def test_a_snapshot_is_self_contained(backend, built_run, isolated_data_dir):  # noqa: F811
    spec = built_run("run-a")
    sid = pipeline.publish_snapshot(spec)["snapshot_id"]
    orgs = pq.read_table(spec.lake.raw_table("organizations"))
    pages = pq.read_table(spec.lake.raw_table("pages"))
    organizations = _read("organizations", sid)
    assert organizations.num_rows == orgs.num_rows
    assert pc.sum(organizations["pages_count"]).as_py() == pages.num_rows
    assert set(organizations["org_name"].to_pylist()) == set(orgs["org_name"].to_pylist())
    metrics = _read("page_metrics", sid).to_pylist()
    assert len(metrics) == pages.num_rows
    for row in metrics:
        platform, _, ident = row["page_id"].partition(":")
        assert row["platform_page_id"] == ident
        assert row["url"].startswith(
            {"vk": "https://vk.com/", "ok": "https://ok.ru/", "telegram": "https://t.me/"}[platform]
        )
    definitions = {r["indicator"]: r for r in _read("indicator_definitions", sid).to_pylist()}
    assert sorted(definitions) == [f"I{i}" for i in range(1, 9)]
    assert (definitions["I1"]["weight"], definitions["I1"]["block"], definitions["I6"]["kind"]) == (
        0.40,
        1,
        "continuous",
    )
    assert definitions["I8"]["weight"] == 0.15 and all(d["name_ru"] and d["formula"] for d in definitions.values())
    inputs = {r["path"]: r for r in _read("inputs", sid).to_pylist()}
    raw_file = spec.lake.raw_table("organizations")
    entry = inputs["raw/organizations.parquet"]
    assert entry["sha256"] == hashlib.sha256(raw_file.read_bytes()).hexdigest()
    assert entry["rows"] == orgs.num_rows and entry["kind"] == "raw"
    assert {p for p in inputs if p.startswith("raw/posts/")} == {
        f"raw/posts/{p}.parquet" for p in ("vk", "ok", "telegram")
    }
    run = _read("runs", sid).to_pylist()[0]
    assert run["lake_path"] == "lake/2026-10/run-a"
    assert run["methodology_sha256"] == hashlib.sha256(spec.methodology.toml_text.encode()).hexdigest()
    assert run["code_version"]
    # no absolute path of this machine in any text value of any table
    machine = str(isolated_data_dir.parent)
    for table in schema.TABLES:
        data = _read(table.name, sid)
        for column in data.column_names:
            if data[column].type == "string":
                assert not any(machine in (v or "") for v in data[column].to_pylist()), (table.name, column)


def test_identical_content_publishes_nothing_new(backend, built_run):  # noqa: F811
    first = pipeline.publish_snapshot(built_run("run-a"))
    again = pipeline.publish_snapshot(built_run("run-b"))  # same demo inputs, same methodology
    assert again["already_published"] and again["snapshot_id"] == first["snapshot_id"]
    assert first["snapshot_id"] in again["reason"]
    assert _read("runs").num_rows == 1


def test_new_content_becomes_the_next_version(backend, built_run):  # noqa: F811
    first = pipeline.publish_snapshot(built_run("run-a"))
    before = _read("ranking", first["snapshot_id"])
    second = pipeline.publish_snapshot(built_run("run-b", scale=600))
    assert (first["version"], second["version"]) == (1, 2)
    runs = {r["snapshot_id"]: r for r in _read("runs").to_pylist()}
    assert runs[second["snapshot_id"]]["supersedes"] == first["snapshot_id"]
    assert runs[first["snapshot_id"]]["supersedes"] is None
    assert _read("ranking", first["snapshot_id"]).equals(before)  # the old version stays readable
    assert second["content_hash"] != first["content_hash"]
    assert set(pipeline.event_extra(second)) == {
        "snapshot_id",
        "period",
        "source",
        "version",
        "is_demo",
        "content_hash",
    }
    with warehouse.open_reader() as reader:
        if backend == "duckdb":
            rows = reader.con.execute("select distinct snapshot_id, version from snapshot.latest_ranking").fetchall()
            count = reader.con.execute("select count(*) from snapshot.latest_ranking").fetchall()[0][0]
        else:
            rows = reader.con.execute("select distinct snapshot_id, version from snapshot.latest_ranking").fetchall()
            count = reader.con.execute("select count(*) from snapshot.latest_ranking").fetchone()[0]
    assert rows == [(second["snapshot_id"], 2)] and count == 89
    assert warehouse.verify_hashes() == []


def test_every_table_and_column_has_a_comment(backend, built_run):  # noqa: F811
    pipeline.publish_snapshot(built_run("run-a"))
    with warehouse.open_reader() as reader:
        if backend == "duckdb":
            tables = dict(
                reader.con.execute(
                    "select table_name, comment from duckdb_tables() where schema_name = 'snapshot'"
                ).fetchall()
            )
            cols = reader.con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = 'snapshot'"
            ).fetchall()
        else:
            tables = dict(
                reader.con.execute(
                    "select c.relname, obj_description(c.oid, 'pg_class') from pg_class c "
                    "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'snapshot' and c.relkind = 'r'"
                ).fetchall()
            )
            cols = reader.con.execute(
                "select c.relname, a.attname, col_description(c.oid, a.attnum) from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid "
                "where n.nspname = 'snapshot' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped"
            ).fetchall()
    assert set(tables) == {t.name for t in schema.TABLES}
    assert all(tables.values())
    cols = [c for c in cols if c[0] in tables]  # not the view's
    assert len(cols) == sum(len(t.columns) for t in schema.TABLES)
    assert [c for c in cols if not c[2]] == []


def test_tampering_is_evident_from_the_hashes(built_run):
    import duckdb
    from gospublic_rating.lake import warehouse_path

    first = pipeline.publish_snapshot(built_run("run-a"))["snapshot_id"]
    second = pipeline.publish_snapshot(built_run("run-b", scale=600))["snapshot_id"]
    assert warehouse.verify_hashes() == []
    with duckdb.connect(str(warehouse_path())) as con:
        con.execute("update snapshot.ranking set points = points + 0.1 where snapshot_id = ? and place = 1", [first])
    problems = warehouse.verify_hashes()
    assert len(problems) == 1 and first in problems[0] and "content hash" in problems[0]
    with duckdb.connect(str(warehouse_path())) as con:
        con.execute("delete from snapshot.runs where snapshot_id = ?", [first])
    problems = " | ".join(warehouse.verify_hashes())
    assert f"snapshot {second}: chain position 2, expected 1" in problems
    assert f"table ranking holds rows of snapshot {first}" in problems


def test_a_corrupt_warehouse_is_a_clear_error_and_is_left_alone(built_run):
    from gospublic_rating.lake import warehouse_path

    pipeline.publish_snapshot(built_run("run-a"))
    path = warehouse_path()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # truncated
    truncated = path.read_bytes()
    with pytest.raises(warehouse.WarehouseUnreadable, match="never recreated"):
        pipeline.publish_snapshot(built_run("run-b", scale=600))
    assert path.read_bytes() == truncated
    path.write_bytes(b"not a database at all" * 1000)
    with pytest.raises(warehouse.WarehouseUnreadable, match="cannot be read as a DuckDB warehouse"):
        pipeline.publish_snapshot(built_run("run-b", scale=600))


AWKWARD_TEXTS = [
    "",
    '"',
    'a "quoted" value; with, commas\nand a newline\r\nand a second',
    "Нижегородская область, «Минздрав»",
    "NA",
    "null",
    "NULL",
    "\\N",
    "\\.",
    "t",
    " ",
    "#",
]


def _awkward_runs() -> pa.Table:
    """Runs rows that a naive CSV round trip would change ('' or 'NA' to NULL, doubles rounded, ...)."""
    doubles = [0.1, 1 / 3, -0.0, 5e-324, 1.7976931348623157e308, 0.30000000000000004, math.inf, -math.inf, math.nan]
    stamps = [
        datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1900, 1, 1, tzinfo=UTC),  # Kamchatka's local mean time then: +10:34:36
    ]
    ints = [-(2**31), 2**31 - 1, 0]
    bigints = [-(2**63), 2**63 - 1, 0]
    rows = []
    for i in range(len(AWKWARD_TEXTS)):
        text = AWKWARD_TEXTS[i]
        rows.append(
            {
                "snapshot_id": f"awkward-{i}",
                "period": text,
                "source": AWKWARD_TEXTS[-1 - i],
                "is_demo": i % 2 == 0,
                "version": ints[i % 3],
                "supersedes": [None, "", "NA"][i % 3],  # nullable: NULL and the empty string stay apart
                "methodology_version": text,
                "methodology_sha256": text,
                "methodology_toml": f"[block]\n{text}\n",
                "page_stats_coverage": doubles[i % len(doubles)],
                "pages_count": bigints[i % 3],
                "posts_count": bigints[(i + 1) % 3],
                "published_at": stamps[i % 3],
                "dag_run_id": text,
                "code_version": text,
                "code_commit": None if i % 2 else text,
                "lake_path": text,
                "seq": i + 1,
                "content_hash": text,
                "previous_chain_hash": None if i % 3 else "",
                "chain_hash": text,
            }
        )
    return pa.Table.from_pylist(rows, schema=schema.RUNS.arrow_schema)


def _bits(values: list) -> list:
    """Doubles compared bit for bit (-0.0 and NaN included)."""
    return [None if v is None else struct.pack("<d", v) for v in values]


def _assert_identical(read: pa.Table, written: pa.Table, backend: str) -> None:  # noqa: F811
    if backend == "postgres":  # the declared schema itself (DuckDB's reader returns its own nullability)
        assert read.schema == written.schema
    assert read.column_names == written.column_names
    for name in written.column_names:
        got, want = read[name].to_pylist(), written[name].to_pylist()
        if name == "page_stats_coverage":
            got, want = _bits(got), _bits(want)
        assert got == want, name


def test_awkward_values_read_back_identically(backend, monkeypatch):  # noqa: F811
    # a client whose defaults would change what PostgreSQL prints (libpq reads these at connect)
    monkeypatch.setenv("PGTZ", "Asia/Kamchatka")
    monkeypatch.setenv("PGDATESTYLE", "SQL, DMY")
    monkeypatch.setenv("PGOPTIONS", "-c extra_float_digits=0")
    written = _awkward_runs()
    assert written["supersedes"].null_count == 4 and written["supersedes"].to_pylist()[1] == ""
    with warehouse._writer(warehouse.location()) as writer:
        writer.insert("runs", written)
        _assert_identical(writer.read("runs"), written, backend)  # inside the writer's transaction too
    with warehouse.open_reader() as reader:
        _assert_identical(reader.read("runs"), written, backend)
        one = reader.read("runs", "awkward-2")
        assert one.num_rows == 1 and one["period"].to_pylist() == [AWKWARD_TEXTS[2]]
        for empty in (reader.read("runs", "no such snapshot"), reader.read("ranking")):
            assert empty.num_rows == 0
        assert reader.read("ranking").schema.names == schema.BY_NAME["ranking"].column_names
