"""
### gospublic_audit_export — the auditors' copy follows every publication

Scheduled on the Asset `gospublic_ranking_snapshot`: each time the monthly DAG
`gospublic_rating` publishes (or finds its content already published), this DAG copies
every snapshot the auditors' PostgreSQL warehouse (`GOSPUBLIC_AUDIT_WAREHOUSE_URL`) lacks,
rows and hashes unchanged, so `verify_hashes` holds on the copy. The Asset event's `extra`
(snapshot id, period, source, version, is_demo, content hash) names what was published.

An example of how consumers follow publication data-aware; logic in
`include/gospublic_rating/audit_export.py`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task
from gospublic_rating.assets import RANKING_ASSET
from gospublic_rating.retry import RETRIES, RETRY_DELAY, TransientOnly


@dag(
    dag_id="gospublic_audit_export",
    schedule=[RANKING_ASSET],
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Moscow"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["gospublic", "audit", "export"],
    default_args={
        "owner": "gospublic-data-team",
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_policy": TransientOnly(RETRY_DELAY),
    },
)
def gospublic_audit_export():
    @task
    def export(triggering_asset_events=None) -> dict:
        from gospublic_rating.audit_export import export_snapshots

        events = [event for asset_events in triggering_asset_events.values() for event in asset_events]
        snapshot_ids = [event.extra["snapshot_id"] for event in events if event.extra.get("snapshot_id")]
        for event in events:
            print(f"published: {event.extra}")
        return export_snapshots(snapshot_ids)

    export()


gospublic_audit_export()
