"""The model runner: models derived from the folders, staging as views, posts never copied."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from gospublic_rating import models
from gospublic_rating.lake import RunLake, write_parquet
from gospublic_rating.methodology import load
from gospublic_rating.period import Period
from gospublic_rating.sources.demo import DemoSource

PERIOD = Period.parse("2026-10")


def test_a_model_is_built_after_the_models_of_its_layer_it_reads(tmp_path, monkeypatch):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "a_summary.sql").write_text("select count(*) from z_detail", encoding="utf-8")
    (tmp_path / "marts" / "z_detail.sql").write_text("select * from m_base", encoding="utf-8")
    (tmp_path / "marts" / "m_base.sql").write_text("select 1 as x -- not z_detail_old", encoding="utf-8")
    monkeypatch.setattr(models, "SQL_DIR", tmp_path)
    assert models._in_build_order("marts") == ("m_base", "z_detail", "a_summary")


def test_models_that_read_each_other_are_refused(tmp_path, monkeypatch):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "a.sql").write_text("select * from b", encoding="utf-8")
    (tmp_path / "marts" / "b.sql").write_text("select * from a", encoding="utf-8")
    monkeypatch.setattr(models, "SQL_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="cycle"):
        models._in_build_order("marts")


def test_every_model_file_is_a_model_of_its_layer():
    for layer in models.LAYER_NAMES:
        assert set(models.LAYERS[layer]) == {p.stem for p in (models.SQL_DIR / layer).glob("*.sql")}


@pytest.fixture
def lake(tmp_path):
    lake = RunLake(tmp_path / "run")
    source = DemoSource(scale=300, seed=3)
    source.extract_registry(lake, PERIOD)
    for platform in ("vk", "ok", "telegram"):
        source.extract_platform(lake, PERIOD, platform)
    return lake


def _kinds(con) -> dict[str, str]:
    return dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())


def test_staging_models_are_views_and_the_others_tables(lake):
    with models.connect() as con:
        models.attach_raw(con, lake)
        models.build(con, models.LAYERS, load(), PERIOD)
        kinds = _kinds(con)
    assert {kinds[m] for m in models.LAYERS["staging"]} == {"VIEW"}
    assert {kinds[m] for m in models.LAYERS["intermediate"] + models.LAYERS["marts"]} == {"BASE TABLE"}


def test_a_staging_view_keeps_the_period_it_was_defined_with(lake):
    # One post moved to just before the period: the view, defined with the period's bounds, drops it.
    path = lake.raw_table("posts", "vk")
    posts = pq.read_table(path)
    before = datetime(2026, 9, 30, 20, 59, 59, tzinfo=UTC)  # 23:59:59 in Moscow, 30 September
    times = posts.column("published_at").to_pylist()
    times[0] = before
    index = posts.schema.get_field_index("published_at")
    write_parquet(posts.set_column(index, "published_at", pa.array(times, posts.schema.field(index).type)), path)
    with models.connect() as con:
        models.attach_raw(con, lake)
        models.build(con, ["staging"], load(), PERIOD)
        raw = con.execute("select count(*) from raw_posts").fetchall()[0][0]
        staged = con.execute("select count(*) from stg_posts").fetchall()[0][0]
    assert staged == raw - 1


def test_the_staged_posts_are_not_copied_into_the_lake_and_later_tasks_read_them_through_the_view(lake):
    methodology = load()
    counts = models.run_layer(lake, "staging", methodology, PERIOD)
    written = {p.stem for p in lake.layer("staging").glob("*.parquet")}
    assert written == {"stg_regions", "stg_organizations", "stg_pages", "stg_page_stats"}
    assert "stg_posts" not in counts and counts["stg_regions"] == 89
    models.run_layer(lake, "intermediate", methodology, PERIOD)
    with models.connect() as con:
        models.attach_raw(con, lake)
        models.install_methodology(con, methodology)
        models.attach_layers(con, lake, ["staging", "intermediate"], models.sql_parameters(methodology, PERIOD))
        assert _kinds(con)["stg_posts"] == "VIEW"
        raw = con.execute("select count(*) from raw_posts").fetchall()[0][0]
        counted = con.execute("select sum(posts_count) from int_page_metrics").fetchall()[0][0]
    assert counted == raw > 0
