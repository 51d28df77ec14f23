"""The Assets that DAGs produce and consume: one definition, light enough for DAG parsing."""

from __future__ import annotations

from airflow.sdk import Asset

# Updated by the monthly DAG's publish task; its event's extra: snapshot_id, period, source,
# version, is_demo, content_hash (warehouse.Snapshot.EVENT_KEYS).
RANKING_ASSET = Asset(name="gospublic_ranking_snapshot", uri="gospublic-rating://warehouse/snapshot/ranking")
