"""generate-demo marks its files as synthetic; the files source carries the mark into the snapshot."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
from conftest import NOW
from gospublic_rating import pipeline
from gospublic_rating.cli import main
from gospublic_rating.lake import warehouse_path
from gospublic_rating.pipeline import RunSpec
from gospublic_rating.reporting.text import top
from gospublic_rating.sources import SYNTHETIC_KEY


def _publish_files_run(input_dir, run_id: str) -> None:
    spec = RunSpec.resolve(period="2026-10", run_after=NOW, dag_run_id=run_id, source="files", input_dir=str(input_dir))
    pipeline.run_all(spec)


def test_generated_demo_files_publish_as_demo(tmp_path):
    out = tmp_path / "contract"
    assert main(["generate-demo", "--out", str(out), "--period", "2026-10", "--scale", "300", "--seed", "4"]) == 0
    assert b"demo" in pq.read_schema(out / "posts.parquet").metadata[SYNTHETIC_KEY]
    _publish_files_run(out, "files-demo")
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        assert con.execute("select source, is_demo from snapshot.runs").fetchall() == [("files", True)]
    assert top(warehouse_path(), dag_run_id="files-demo").startswith("DEMO DATA")


def test_unmarked_files_publish_as_real(tmp_path):
    out = tmp_path / "contract"
    assert main(["generate-demo", "--out", str(out), "--period", "2026-10", "--scale", "300", "--seed", "4"]) == 0
    for path in out.glob("*.parquet"):
        table = pq.read_table(path)
        metadata = {k: v for k, v in (table.schema.metadata or {}).items() if k != SYNTHETIC_KEY}
        pq.write_table(table.replace_schema_metadata(metadata), path)
    _publish_files_run(out, "files-real")
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        assert con.execute("select source, is_demo from snapshot.runs").fetchall() == [("files", False)]
    assert not top(warehouse_path(), dag_run_id="files-real").startswith("DEMO DATA")
