"""The downstream DAG: the auditors' PostgreSQL warehouse follows every publication."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from gospublic_rating import warehouse
from gospublic_rating.assets import RANKING_ASSET
from gospublic_rating.audit_export import ExportRefused, export_snapshots
from gospublic_rating.warehouse.schema import TABLES
from warehouse_backends import fresh_postgres_database

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def audit_url(monkeypatch):
    monkeypatch.delenv("GOSPUBLIC_WAREHOUSE_URL", raising=False)  # the source: the DuckDB file
    with fresh_postgres_database() as url:
        monkeypatch.setenv("GOSPUBLIC_AUDIT_WAREHOUSE_URL", url)
        yield url


def _snapshot_ids(where=None) -> list[str]:
    with warehouse.open_reader(where) as reader:
        return [run["snapshot_id"] for run in sorted(reader.read("runs").to_pylist(), key=lambda r: r["seq"])]


def test_the_export_copies_missing_snapshots_with_their_hashes(audit_url, run_month):
    run_month("manual__sep", period="2026-09", scale=200)
    run_month("manual__oct", period="2026-10", scale=200)
    first, second = _snapshot_ids()
    assert export_snapshots([second])["copied"] == [first, second]  # the older one too: a chain has no gaps
    assert _snapshot_ids(audit_url) == [first, second]
    assert warehouse.verify_hashes(audit_url) == []
    with warehouse.open_reader() as source, warehouse.open_reader(audit_url) as copy:
        for table in TABLES:
            assert copy.read(table.name).num_rows == source.read(table.name).num_rows, table.name

    assert export_snapshots([second]) == {"copied": [], "already_there": [first, second], "target": audit_url}
    run_month("manual__oct2", period="2026-10", scale=200, seed=6)  # new content: version 2
    third = _snapshot_ids()[-1]
    assert export_snapshots([third])["copied"] == [third]
    assert warehouse.verify_hashes(audit_url) == []


def test_a_diverged_audit_warehouse_is_refused(audit_url, run_month, monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_WAREHOUSE_URL", audit_url)
    run_month("manual__elsewhere", period="2026-08", scale=200)  # published straight into the copy
    monkeypatch.delenv("GOSPUBLIC_WAREHOUSE_URL")
    run_month("manual__oct", period="2026-10", scale=200)
    with pytest.raises(ExportRefused, match="diverged"):
        export_snapshots(_snapshot_ids())
    with pytest.raises(ExportRefused, match="not in"):
        export_snapshots(["2026-10-demo-nonexistent"])


def test_the_export_dag_follows_the_publication_asset(audit_url, run_month):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    monthly, export = bag.dags["gospublic_rating"], bag.dags["gospublic_audit_export"]
    assert RANKING_ASSET in monthly.get_task("publish").outlets
    assert RANKING_ASSET in export.timetable.asset_condition.objects

    run_month("manual__oct", period="2026-10", scale=200)
    [sid] = _snapshot_ids()
    event = SimpleNamespace(extra={"snapshot_id": sid, "period": "2026-10", "source": "demo"})
    result = export.get_task("export").python_callable(triggering_asset_events={RANKING_ASSET: [event]})
    assert result["copied"] == [sid]
