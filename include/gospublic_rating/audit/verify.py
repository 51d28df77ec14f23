"""`gospublic verify ID`: recompute a snapshot from its archived raw inputs with its archived
methodology and compare it with what was published.

1. The hash chain of the whole warehouse (``hashing.verify_chain``): every link, every
   chain hash, and the content hash of this snapshot recomputed from its stored rows.
2. Every archived input of the run (``<data folder>/<runs.lake_path>/<inputs.path>``):
   present, same size, same sha256, and no file the manifest does not list.
3. The raw files are copied into a temporary folder and the SQL models (``models.py``) run
   there with the methodology parsed from ``runs.methodology_toml``: the lake's staging,
   intermediate and marts files are never read. The snapshot's tables are rebuilt from the
   result (``warehouse.content``) and compared table by table, then row by row and column
   by column where they differ, with the published ones; the content hash is recomputed.

The result is "identical" only when every check passes.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from .. import models
from ..lake import RunLake
from ..period import Period
from ..sources import synthetic_marker
from ..warehouse import content, hashing
from ..warehouse.schema import BY_NAME, RUNS, RUNS_CONTENT_COLUMNS
from . import AuditError, methodology_of, resolve

SHOWN_PER_TABLE = 20  # differing values listed per table (the count of all is given)


@dataclass
class Verdict:
    snapshot_id: str
    problems: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.identical:
            return (
                f"snapshot {self.snapshot_id}: identical (inputs, recomputation, content hash and hash chain check out)"
            )
        return "\n".join(
            [f"snapshot {self.snapshot_id}: NOT identical ({len(self.problems)} findings)"] + self.problems
        )


def _value(value) -> str:
    return "null" if value is None else repr(value)


def compare(name: str, published: pa.Table, recomputed: pa.Table) -> list[str]:
    """What differs between the published and recomputed rows of table ``name``:
    rows only on one side (by key) and every differing value (table, key, column, both values)."""
    table = BY_NAME[name]
    if hashing.digest(table, published) == hashing.digest(table, recomputed):
        return []
    columns = [c for c in table.column_names if c != "snapshot_id"]
    key = list(table.key)
    values = [c for c in columns if c not in key]
    found: list[str] = []
    con = duckdb.connect()
    try:
        con.register("p", hashing.canonical(table, published, columns))
        con.register("r", hashing.canonical(table, recomputed, columns))
        using = ", ".join(key)
        for side, this, other in (("published only", "p", "r"), ("recomputed only", "r", "p")):
            rows = con.execute(
                f"select {using} from {this} anti join {other} using ({using}) order by {using}"
            ).fetchall()
            found += [f"{name} {_key(key, row)}: row {side}" for row in rows[:SHOWN_PER_TABLE]]
            if len(rows) > SHOWN_PER_TABLE:
                found.append(f"{name}: {len(rows) - SHOWN_PER_TABLE} more rows {side}")
        for column in values:
            rows = con.execute(
                f"select {using}, p.{column}, r.{column} from p join r using ({using}) "
                f"where p.{column} is distinct from r.{column} order by {using}"
            ).fetchall()
            for row in rows[:SHOWN_PER_TABLE]:
                found.append(
                    f"{name} {_key(key, row)} {column}: published {_value(row[-2])}, recomputed {_value(row[-1])}"
                )
            if len(rows) > SHOWN_PER_TABLE:
                found.append(f"{name} {column}: {len(rows) - SHOWN_PER_TABLE} more differing values")
    finally:
        con.close()
    return found or [f"{name}: the rows differ (duplicated keys)"]


def _key(key: list[str], row: tuple) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in zip(key, row, strict=False)) + "]"


def _check_inputs(stored: pa.Table, lake: RunLake) -> list[str]:
    """Every file of the manifest present with its size and sha256; no unlisted file."""
    problems = []
    listed = set()
    for row in stored.to_pylist():
        path = lake.root / row["path"]
        listed.add(row["path"])
        if not path.is_file():
            problems.append(f"input {row['path']}: missing from {lake.root}")
            continue
        digest = content.file_sha256(path)
        if digest != row["sha256"]:
            problems.append(
                f"input {row['path']}: sha256 {digest} differs from the published {row['sha256']} "
                f"({path.stat().st_size} bytes now, {row['bytes']} published): the archived file was changed"
            )
    for kind in ("raw", "landing"):
        folder = lake.layer(kind)
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
                relative = path.relative_to(lake.root).as_posix()
                if relative not in listed:
                    problems.append(f"input {relative}: in the run's folder but not in the published manifest")
    return problems


def recompute(run: dict, lake: RunLake, work: Path) -> tuple[dict, dict[str, pa.Table]]:
    """The snapshot's runs content and content tables, recomputed in ``work`` from the raw files of ``lake``."""
    methodology = methodology_of(run)
    period = Period.parse(run["period"])
    copy = RunLake(work / "run")
    shutil.copytree(lake.layer("raw"), copy.layer("raw"))
    for layer in models.LAYERS:
        models.run_layer(copy, layer, methodology, period)
    tables = content.model_tables(copy)
    tables["indicator_definitions"] = content.indicator_definitions(methodology)
    inputs = [content.inputs_manifest(copy, ("raw",)), content.inputs_manifest(lake, ("landing",))]
    tables["inputs"] = pa.concat_tables(inputs)
    volume = models.run_volume(copy, run["period"])
    is_demo = run["source"] == "demo" or synthetic_marker(copy) is not None
    runs = content.run_content(run["period"], run["source"], is_demo, methodology, volume)
    return runs, tables


def verify(reader, ref: str, data_folder: Path) -> Verdict:
    """Check snapshot ``ref`` (id or period) against its archived inputs and the hash chain."""
    try:
        run = resolve(reader, ref)
    except AuditError as error:  # a deleted snapshot: say what the chain shows
        chain = hashing.verify_chain(reader.read, reader.snapshot_ids, recheck=set())
        raise AuditError("\n".join([str(error), *chain])) from None
    sid = run["snapshot_id"]
    stored: dict[str, pa.Table] = {}

    def read(name: str, snapshot_id: str | None = None) -> pa.Table:
        """The reader's tables; this snapshot's read once, for the chain check and the comparison."""
        if snapshot_id != sid:
            return reader.read(name, snapshot_id)
        if name not in stored:
            stored[name] = reader.read(name, sid)
        return stored[name]

    verdict = Verdict(sid, hashing.verify_chain(read, reader.snapshot_ids, recheck={sid}))
    lake = RunLake(data_folder / run["lake_path"])
    if not lake.layer("raw").is_dir():
        verdict.problems.append(f"the run's archived inputs are missing: no folder {lake.layer('raw')}")
        return verdict
    stored = {t.name: read(t.name, sid) for t in hashing.CONTENT_TABLES}
    verdict.problems += _check_inputs(stored["inputs"], lake)
    try:
        with tempfile.TemporaryDirectory(prefix="gospublic-verify-") as work:
            runs_content, tables = recompute(run, lake, Path(work))
    except (duckdb.Error, pa.ArrowException, RuntimeError, OSError, KeyError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        verdict.problems.append(f"recomputation from the archived inputs failed: {first}")
        return verdict
    for column in RUNS_CONTENT_COLUMNS:
        if run[column] != runs_content[column]:
            shown = (_value(run[column]), _value(runs_content[column]))
            if column == "methodology_toml":
                shown = ("(text)", "(text)")
            verdict.problems.append(f"runs {column}: published {shown[0]}, recomputed {shown[1]}")
    for table in hashing.CONTENT_TABLES:
        verdict.problems += compare(table.name, stored[table.name], tables[table.name])
    recomputed_hash = hashing.content_hash(
        pa.Table.from_pylist([{**run, **runs_content}], schema=RUNS.arrow_schema), tables
    )
    if recomputed_hash != run["content_hash"]:
        verdict.problems.append(
            f"content hash of the recomputation {recomputed_hash} differs from the published {run['content_hash']}"
        )
    return verdict
