"""The auditors' command line: snapshots list/show, explain, diff, verify, export (both back ends)."""

from __future__ import annotations

import io
import json

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from gospublic_rating import pipeline, warehouse
from gospublic_rating.cli import main
from gospublic_rating.lake import warehouse_path, write_parquet
from gospublic_rating.reporting.text import place_labels
from gospublic_rating.warehouse import duckdb_file, postgres
from warehouse_backends import backend  # noqa: F401  (fixture)

COMMANDS = [
    ["snapshots", "list"],
    ["snapshots", "show"],
    ["explain"],
    ["diff"],
    ["verify"],
    ["export"],
]


@pytest.fixture
def published(run_month):
    """Publish a small demo run under methodology v1 (the weights the tests write out); return
    (spec, snapshot id)."""

    def publish(run_id: str = "run-a", seed: int = 5):
        spec = run_month(run_id, scale=300, seed=seed, publish=False, methodology="v1")
        return spec, pipeline.publish_snapshot(spec)["snapshot_id"]

    return publish


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _read(table: str, snapshot_id: str | None = None) -> list[dict]:
    with warehouse.open_reader() as reader:
        return reader.read(table, snapshot_id).to_pylist()


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv))
def test_every_auditor_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--warehouse" in out and "postgresql://" in out
    assert len(out.splitlines()) >= 6


def test_shared_places_are_marked():
    ranking = [
        {"region_code": "01", "place": 1},
        {"region_code": "02", "place": 2},
        {"region_code": "03", "place": 2},
        {"region_code": "04", "place": 3},
    ]
    assert place_labels(ranking) == {"01": "1", "02": "2=", "03": "2=", "04": "3"}


def test_the_commands_read_either_back_end(backend, published, capsys):  # noqa: F811
    spec, first = published("run-a")
    _, second = published("run-b", seed=6)
    code, out, _ = _cli(capsys, "snapshots", "list")
    assert code == 0
    lines = out.splitlines()
    # newest first; only the newest version of 2026-10 demo is the official one
    assert lines[1].startswith(second) and "official" in lines[1] and f"supersedes {first}" in lines[1]
    assert lines[2].startswith(first) and "official" not in lines[2]
    code, out, _ = _cli(capsys, "snapshots", "list", "--period", "2026-09")
    assert code == 0 and "no snapshot of 2026-09" in out

    code, out, _ = _cli(capsys, "snapshots", "show", "2026-10")  # a period: its newest snapshot
    assert code == 0 and f"snapshot {second}, published" in out and "version 2 of its period" in out
    ranking = _read("ranking", second)
    labels = place_labels(ranking)
    for row in ranking:
        assert f"{labels[row['region_code']]:>6}  {row['region_code']:4}  {row['region_name']}" in out

    code, out, _ = _cli(capsys, "explain", "77", "--snapshot", first)
    assert code == 0 and "77 Москва" in out and first in out
    code, out, _ = _cli(capsys, "diff", first, second)
    assert code == 0 and f"A: {first}" in out and f"B: {second}" in out

    code, out, _ = _cli(capsys, "verify", first)
    assert code == 0, out
    assert out.strip() == f"snapshot {first}: identical (inputs, recomputation, content hash and hash chain check out)"

    code, _, err = _cli(capsys, "snapshots", "show", "2026-10-demo-nonexistent")
    assert code == 1 and "no snapshot 2026-10-demo-nonexistent" in err


def test_verify_reads_each_table_of_the_snapshot_once(backend, published, capsys, monkeypatch):  # noqa: F811
    """The chain check and the comparison share one read of the snapshot's tables."""
    _, sid = published()
    reads = []
    for reader in (duckdb_file.Reader, postgres.Reader):

        def counted(self, name, *args, _real=reader.read):
            reads.append((name, *args))
            return _real(self, name, *args)

        monkeypatch.setattr(reader, "read", counted)
    code, out, _ = _cli(capsys, "verify", sid)
    assert code == 0, out
    own = [name for name, *snapshot in reads if snapshot == [sid]]
    assert sorted(own) == sorted({*own}) and "page_metrics" in own and "organizations" in own


def test_verify_detects_a_changed_archived_input_on_either_back_end(backend, published, capsys):  # noqa: F811
    spec, sid = published()
    path = spec.lake.raw_table("organizations")
    organizations = pq.read_table(path)
    # one organisation's admin_qualified turned from true to false, file rewritten
    index = organizations["admin_qualified"].to_pylist().index(True)
    org = organizations["org_id"][index].as_py()
    region = organizations["region_code"][index].as_py()
    flags = organizations["admin_qualified"].to_pylist()
    flags[index] = False
    column = organizations.schema.get_field_index("admin_qualified")
    write_parquet(
        organizations.set_column(column, "admin_qualified", pa.array(flags, pa.bool_())).replace_schema_metadata(
            organizations.schema.metadata
        ),
        path,
    )
    code, out, _ = _cli(capsys, "verify", sid)
    assert code == 1
    assert f"snapshot {sid}: NOT identical" in out
    assert "input raw/organizations.parquet: sha256" in out and "the archived file was changed" in out
    assert f"organizations [org_id={org}] admin_qualified: published True, recomputed False" in out
    published_i4 = next(r for r in _read("indicators", sid) if (r["region_code"], r["indicator"]) == (region, "I4"))
    assert (
        f"indicators [region_code={region}, indicator=I4] numerator: published {published_i4['numerator']!r}, "
        f"recomputed {published_i4['numerator'] - 1!r}"
    ) in out
    assert "content hash of the recomputation" in out


def test_verify_detects_one_changed_byte(published, capsys):
    spec, sid = published()
    path = spec.lake.raw_table("pages")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, out, _ = _cli(capsys, "verify", sid)
    assert code == 1
    assert "input raw/pages.parquet: sha256" in out and "the archived file was changed" in out


def test_verify_detects_a_tampered_ranking_value(published, capsys):
    _, sid = published()
    top = min(_read("ranking", sid), key=lambda r: (r["place"], r["region_code"]))
    with duckdb.connect(str(warehouse_path())) as con:  # behind the code's back
        con.execute(
            "update snapshot.ranking set points = points + 0.1 where snapshot_id = ? and region_code = ?",
            [sid, top["region_code"]],
        )
    code, out, _ = _cli(capsys, "verify", sid)
    assert code == 1
    assert (
        f"ranking [region_code={top['region_code']}] points: published {top['points'] + 0.1!r}, "
        f"recomputed {top['points']!r}"
    ) in out
    assert f"snapshot {sid}: content hash differs from the stored one" in out
    assert len([line for line in out.splitlines() if line.startswith("ranking ")]) == 1


def test_verify_detects_a_deleted_snapshot(published, capsys):
    _, first = published("run-a")
    _, second = published("run-b", seed=6)
    with duckdb.connect(str(warehouse_path())) as con:
        for table in warehouse.schema.TABLES:
            con.execute(f"delete from snapshot.{table.name} where snapshot_id = ?", [first])
    code, out, _ = _cli(capsys, "verify", second)
    assert code == 1
    assert f"snapshot {second}: chain position 2, expected 1 (a snapshot is missing)" in out
    assert f"snapshot {second}: previous_chain_hash does not match" in out
    code, _, err = _cli(capsys, "verify", first)
    assert code == 1 and f"no snapshot {first}" in err and "a snapshot is missing" in err


def test_explain_derives_the_points_from_the_inputs(published, capsys):
    spec, sid = published()
    orgs = pq.read_table(spec.lake.raw_table("organizations"))
    region = "77"
    of_region = orgs.filter(pc.equal(orgs["region_code"], region))
    qualified = sum(1 for v in of_region["admin_qualified"].to_pylist() if v)
    code, out, _ = _cli(capsys, "explain", "моСКва")  # partial, any case
    assert code == 0
    assert f"Organisations (snapshot.organizations): {of_region.num_rows} " in out
    assert f"value = {qualified} / {of_region.num_rows} = " in out  # I4 from the raw registry
    ranking = {r["region_code"]: r for r in _read("ranking", sid)}
    row = ranking[region]
    assert f"Total = 0.5 × {row['block1']:.6g} + 0.5 × {row['block2']:.6g} = {row['total']:.6g}" in out
    scores = {r["indicator"]: r["score"] for r in _read("indicators", sid) if r["region_code"] == region}
    # I1's contribution: weight 0.40 in block 1, block 1 weighs 0.5 (docs/methodology.md)
    assert (
        f"0.4 × {scores['I1']:.6g} = {0.4 * scores['I1']:.6g} to block 1, {0.2 * scores['I1']:.6g} to the total" in out
    )
    code, _, err = _cli(capsys, "explain", "республика")
    assert code == 1 and "matches 24 regions" in err and "02 Республика Башкортостан" in err
    code, _, err = _cli(capsys, "explain", "Атлантида")
    assert code == 1 and "no region 'Атлантида'" in err


def test_diff_names_the_regions_that_moved(published, capsys):
    _, first = published("run-a")
    _, second = published("run-b", seed=6)
    a = {r["region_code"]: r for r in _read("ranking", first)}
    b = {r["region_code"]: r for r in _read("ranking", second)}
    moved = [c for c in a if (a[c]["place"], a[c]["points"]) != (b[c]["place"], b[c]["points"])]
    code, out, _ = _cli(capsys, "diff", first, second)
    assert code == 0
    assert f"{len(moved)} regions moved (place or points), {89 - len(moved)} unchanged" in out
    for code_ in moved:
        assert any(line.startswith(f"{code_:4} ") for line in out.splitlines())
    code, out, _ = _cli(capsys, "diff", first, first)
    assert "0 regions moved (place or points), 89 unchanged" in out


def test_export_writes_csv_for_russian_excel_and_parquet(published, capsys, tmp_path):
    _, sid = published()
    code, out, _ = _cli(capsys, "export", sid, str(tmp_path / "csv"), "--format", "csv")
    assert code == 0
    raw = (tmp_path / "csv" / "ranking.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").splitlines()[0]
    assert header.split(";")[:3] == ['"snapshot_id"', '"region_code"', '"region_name"']
    exported = pacsv.read_csv(
        io.BytesIO(raw[3:]),
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(column_types={"region_code": pa.string()}),
    ).to_pylist()
    stored = sorted(_read("ranking", sid), key=lambda r: r["region_code"])
    assert sorted(exported, key=lambda r: r["region_code"]) == stored
    manifest = json.loads((tmp_path / "csv" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["snapshot_id"] == sid and manifest["format"] == "csv"
    assert {f["file"] for f in manifest["files"]} == {f"{t.name}.csv" for t in warehouse.schema.TABLES}

    code, _, _ = _cli(capsys, "export", sid, str(tmp_path / "pq"))
    assert code == 0
    for table in warehouse.schema.TABLES:
        assert pq.read_table(tmp_path / "pq" / f"{table.name}.parquet").to_pylist() == _read(table.name, sid)
