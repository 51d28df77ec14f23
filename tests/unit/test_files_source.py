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


def _with_value(column: str, row: int, value: str):
    """A change of one cell (0-based row); the column becomes text if it was not."""

    def change(table: pa.Table) -> pa.Table:
        values = [None if v is None else str(v) for v in table.column(column).to_pylist()]
        values[row] = value
        return table.set_column(table.schema.get_field_index(column), column, pa.array(values, pa.string()))

    return change


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("page_stats", _with_value("followers", 4, "много"), r"page_stats\.parquet, row 5, field followers"),
        ("pages", _with_value("platform", 2, "max"), r"pages\.parquet, row 3, field platform: 'max' is not one of"),
        (
            "page_stats",
            _with_value("period", 0, "2026-09"),
            r"page_stats\.parquet, row 1, field period: '2026-09', but this run rates",
        ),
    ],
    ids=["wrong-type", "unknown-platform", "another-period"],
)
def test_a_bad_value_names_file_row_and_field(input_dir, tmp_path, table, change, message):
    _rewrite(input_dir, table, change)
    with pytest.raises(ContractError, match=message):
        _extract_all(input_dir, RunLake(tmp_path / "run"))
