"""The files source: contract files in, clear errors naming file, row and field."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from gospublic_rating.contract import ContractError
from gospublic_rating.lake import RunLake
from gospublic_rating.period import Period
from gospublic_rating.sources.demo import PLATFORMS, generate_platform, generate_registry
from gospublic_rating.sources.files import FilesSource, check_input

OCTOBER = Period(2026, 10)


@pytest.fixture
def input_dir(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    registry = generate_registry(300, seed=3)
    month = [generate_platform(registry, p, OCTOBER, seed=3) for p in PLATFORMS]
    for name, table in registry.items():
        pq.write_table(table, folder / f"{name}.parquet")
    for name in ("page_stats", "posts"):
        pq.write_table(pa.concat_tables([m[name] for m in month]), folder / f"{name}.parquet")
    return folder


def _rewrite(folder, name, change):
    path = folder / f"{name}.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def _extract_all(folder, lake):
    source = FilesSource(folder)
    source.extract_registry(lake, OCTOBER)
    return {p: source.extract_platform(lake, OCTOBER, p) for p in PLATFORMS}


def test_a_good_folder_lands_in_the_raw_layer_split_by_platform(input_dir, tmp_path):
    lake = RunLake(tmp_path / "run")
    counts = _extract_all(input_dir, lake)
    posts = pq.read_table(input_dir / "posts.parquet")
    assert sum(c["posts"] for c in counts.values()) == posts.num_rows
    for platform in PLATFORMS:
        written = pq.read_table(lake.raw_table("posts", platform))
        assert set(written.column("platform").to_pylist()) == {platform}


def test_missing_folder_and_missing_file_are_named(input_dir, tmp_path):
    with pytest.raises(ContractError, match="nowhere: input folder does not exist"):
        check_input(tmp_path / "nowhere")
    (input_dir / "posts.parquet").unlink()
    with pytest.raises(ContractError, match=r"posts\.parquet: missing"):
        check_input(input_dir)


def test_unreadable_file_is_named(input_dir):
    (input_dir / "pages.parquet").write_text("region;name\n59;Пермский край\n", encoding="utf-8")
    with pytest.raises(ContractError, match=r"pages\.parquet: not a readable Parquet file"):
        check_input(input_dir)


def test_missing_column_is_named(input_dir):
    _rewrite(input_dir, "organizations", lambda t: t.drop(["admin_qualified"]))
    with pytest.raises(ContractError, match=r"organizations\.parquet: missing column\(s\) admin_qualified"):
        check_input(input_dir)


def test_value_of_the_wrong_type_names_row_and_field(input_dir, tmp_path):
    def text_followers(table):
        values = [str(v) if v is not None else None for v in table.column("followers").to_pylist()]
        values[4] = "много"
        return table.set_column(table.schema.get_field_index("followers"), "followers", pa.array(values))

    _rewrite(input_dir, "page_stats", text_followers)
    with pytest.raises(ContractError, match=r"page_stats\.parquet, row 5, field followers"):
        _extract_all(input_dir, RunLake(tmp_path / "run"))


def test_unknown_platform_names_row_and_field(input_dir, tmp_path):
    def max_platform(table):
        values = table.column("platform").to_pylist()
        values[2] = "max"
        return table.set_column(table.schema.get_field_index("platform"), "platform", pa.array(values))

    _rewrite(input_dir, "pages", max_platform)
    with pytest.raises(ContractError, match=r"pages\.parquet, row 3, field platform: 'max' is not one of"):
        _extract_all(input_dir, RunLake(tmp_path / "run"))


def test_page_stats_of_another_period_is_a_clear_error(input_dir, tmp_path):
    def september(table):
        values = table.column("period").to_pylist()
        values[0] = "2026-09"
        return table.set_column(table.schema.get_field_index("period"), "period", pa.array(values))

    _rewrite(input_dir, "page_stats", september)
    with pytest.raises(ContractError, match=r"page_stats\.parquet, row 1, field period: '2026-09', but this run rates"):
        _extract_all(input_dir, RunLake(tmp_path / "run"))
