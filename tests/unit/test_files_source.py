"""The files source: contract files in, clear errors naming file, row and field."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from gospublic_rating.contract import SCHEMAS, TIMESTAMPTZ, ContractError
from gospublic_rating.errors import NotRetryable
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
        (
            "page_stats",
            _with_value("followers", 4, "много"),
            r"page_stats\.parquet, field followers: the contract type is int64, found string",
        ),
        ("pages", _with_value("platform", 2, "fb"), r"pages\.parquet, row 3, field platform: 'fb' is not one of"),
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


def _retyped(**types):
    """A change of column types, e.g. ``_retyped(views=pa.string())``."""

    def change(table: pa.Table) -> pa.Table:
        for column, type_ in types.items():
            index = table.schema.get_field_index(column)
            table = table.set_column(index, column, table.column(column).cast(type_))
        return table

    return change


@pytest.mark.parametrize(
    ("table", "types", "expected", "found"),
    [
        ("posts", {"views": pa.string()}, "int64", "string"),  # strings of digits: cast silently before
        ("page_stats", {"followers": pa.float64()}, "int64", "double"),
        ("posts", {"likes": pa.uint64()}, "int64", "uint64"),
        ("pages", {"gov_mark": pa.int8()}, "bool", "int8"),
        ("organizations", {"admin_qualified": pa.string()}, "bool", "string"),
        ("posts", {"published_at": pa.string()}, r"timestamp\[us, tz=UTC\]", "string"),
        ("regions", {"region_code": pa.int32()}, "string", "int32"),
    ],
    ids=["views-text", "followers-double", "likes-uint64", "gov_mark-int8", "qualified-text", "time-text", "code-int"],
)
def test_a_column_of_another_type_stops_the_run_naming_file_column_and_both_types(
    input_dir, tmp_path, table, types, expected, found
):
    _rewrite(input_dir, table, _retyped(**types))
    (column,) = types
    message = rf"{table}\.parquet, field {column}: the contract type is {expected}, found {found}"
    with pytest.raises(ContractError, match=message):
        check_input(input_dir)
    with pytest.raises(ContractError, match=message):
        _extract_all(input_dir, RunLake(tmp_path / "run"))


def _whole_milliseconds(table: pa.Table) -> pa.Table:
    milliseconds = pc.cast(table.column("published_at"), pa.timestamp("ms", tz="UTC"), safe=False)
    return table.set_column(
        table.schema.get_field_index("published_at"), "published_at", milliseconds.cast(TIMESTAMPTZ)
    )


def test_lossless_widenings_are_read_as_the_contract_types(input_dir, tmp_path):
    _rewrite(input_dir, "posts", _whole_milliseconds)  # so that milliseconds lose nothing of them
    before = {name: pq.read_table(input_dir / f"{name}.parquet") for name in ("pages", "page_stats", "posts")}
    dictionary = pa.dictionary(pa.int32(), pa.string())
    moscow_ms = pa.timestamp("ms", tz="Europe/Moscow")
    _rewrite(input_dir, "regions", _retyped(region_name=pa.large_string()))
    _rewrite(input_dir, "pages", _retyped(page_id=pa.string_view(), platform=pa.string_view()))
    _rewrite(input_dir, "page_stats", _retyped(status=dictionary, followers=pa.uint32(), observed_at=moscow_ms))
    _rewrite(
        input_dir,
        "posts",
        _retyped(
            platform=pa.string_view(),
            post_id=pa.string_view(),
            published_at=pa.timestamp("ms", tz="UTC"),
            views=pa.int32(),
            likes=pa.uint32(),
            comments=pa.uint16(),
            reposts=pa.int16(),
        ),
    )
    lake = RunLake(tmp_path / "run")
    _extract_all(input_dir, lake)
    pages = pq.read_table(lake.raw_table("pages"))
    assert pages.schema.field("page_id").type == pa.string()
    assert pages.column("page_id").to_pylist() == before["pages"].column("page_id").to_pylist()
    for platform in PLATFORMS:
        posts = pq.read_table(lake.raw_table("posts", platform))
        assert posts.schema == SCHEMAS["posts"]
        expected = before["posts"].filter(pc.equal(before["posts"].column("platform"), platform))
        for column in ("post_id", "published_at", "views", "likes", "comments", "reposts"):
            assert posts.column(column).to_pylist() == expected.column(column).to_pylist()
        assert posts.num_rows == expected.num_rows > 0
        stats = pq.read_table(lake.raw_table("page_stats", platform))
        assert stats.schema == SCHEMAS["page_stats"]
        expected = before["page_stats"].filter(pc.equal(before["page_stats"].column("platform"), platform))
        # the same instants, whatever zone the file wrote them in
        assert stats.column("observed_at").to_pylist() == expected.column("observed_at").to_pylist()


def test_a_naive_timestamp_stops_the_run_saying_the_contract_requires_timestamptz(input_dir, tmp_path):
    _rewrite(input_dir, "posts", _retyped(published_at=pa.timestamp("us")))
    message = r"posts\.parquet, field published_at: timestamp\[us\] has no time zone; the contract requires timestamptz"
    with pytest.raises(ContractError, match=message):
        check_input(input_dir)
    with pytest.raises(ContractError, match=message):
        _extract_all(input_dir, RunLake(tmp_path / "run"))


def test_nanoseconds_that_a_microsecond_timestamp_cannot_hold_name_the_row(input_dir, tmp_path):
    def with_nanoseconds(table: pa.Table) -> pa.Table:
        nanos = pc.cast(table.column("published_at").cast(pa.timestamp("ns", tz="UTC")), pa.int64()).to_pylist()
        nanos[3] += 1  # one nanosecond: cannot be read as microseconds without loss
        return table.set_column(
            table.schema.get_field_index("published_at"),
            "published_at",
            pa.array(nanos, pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        )

    _rewrite(input_dir, "posts", with_nanoseconds)
    check_input(input_dir)  # the type is a lossless one; the value is not
    with pytest.raises(ContractError, match=r"posts\.parquet, row 4, field published_at: cannot read"):
        _extract_all(input_dir, RunLake(tmp_path / "run"))


MARK = datetime(2026, 10, 15, 12, 34, 56, 789012, tzinfo=UTC)


def test_a_corrupt_data_page_stops_the_run_at_once_naming_the_file(input_dir, tmp_path):
    # A data page whose bytes were damaged while the footer stayed intact: Parquet keeps no
    # checksum by default, so the page decodes into garbage (here, the value of row 7 turns
    # into the largest int64 of microseconds, a date in the year 294247).
    path = input_dir / "posts.parquet"
    table = pq.read_table(path)
    times = table.column("published_at").to_pylist()
    times[6] = MARK
    table = table.set_column(3, "published_at", pa.array(times, TIMESTAMPTZ))
    pq.write_table(table, path, compression="none", use_dictionary=False, write_statistics=False)
    data = path.read_bytes()
    mark = struct.pack("<q", int((MARK - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)))
    assert data.count(mark) == 1
    path.write_bytes(data.replace(mark, struct.pack("<q", 2**63 - 1)))
    with pytest.raises(ContractError, match=r"posts\.parquet, row 7, field published_at: .* is outside") as failure:
        _extract_all(input_dir, RunLake(tmp_path / "run"))
    assert isinstance(failure.value, NotRetryable)


def test_a_page_that_does_not_decode_stops_the_run_naming_the_file(input_dir, tmp_path):
    path = input_dir / "posts.parquet"
    pq.write_table(pq.read_table(path), path, compression="snappy", use_dictionary=False)
    column = pq.ParquetFile(path).metadata.row_group(0).column(3)  # published_at
    data = bytearray(path.read_bytes())
    middle = column.data_page_offset + column.total_compressed_size // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(ContractError, match=r"posts\.parquet: not a readable Parquet file") as failure:
        _extract_all(input_dir, RunLake(tmp_path / "run"))
    assert isinstance(failure.value, NotRetryable)
