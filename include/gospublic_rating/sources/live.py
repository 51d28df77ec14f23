"""The live source: the registry folder delivered by the regions, then the platforms' APIs.

* ``extract_registry`` runs the intake of the registry files (CSV or XLSX, see
  docs/registry_intake.md): valid rows become raw/organizations and raw/pages, bad rows go
  to raw/quarantine.parquet with a readable raw/quarantine_report.txt.
* Each platform's registry pages are cut into batches (the API's largest useful request:
  500 VK groups per groups.getById). ``extract_batch`` calls the API for one batch and
  writes every response to the landing archive (landing/<platform>/batch-NNNNN.jsonl.gz);
  a batch already landed is skipped, so a retried task resumes after its last finished
  batch and never extracts a page twice.
* ``finish_platform`` rebuilds raw/page_stats/<platform> and raw/posts/<platform> from the
  landing archive alone.
* Pacing evidence: each batch's calls and throttling answers go to
  evidence/extract/<platform>/batch-NNNNN.json (and are returned by the task); the
  platform's totals to evidence/extract/<platform>.json, returned by ``finish_platform``.

Each platform's connection id, batch size and package come from the platform registry
(:mod:`gospublic_rating.platforms`); tokens and base URLs come from those Airflow
connections (the host is the base URL, the password the token, ``extra`` holds other
secrets and an optional ``rate`` in requests per second).
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import platforms
from ..contract import SCHEMAS, ContractError
from ..extract.landing import Landing, LandingBatch
from ..lake import RunLake, write_parquet
from ..period import Period

log = logging.getLogger(__name__)


def make_extractor(platform: str):
    """The extractor of ``platform`` with its API account from the Airflow connection."""
    return platforms.get(platform).make_extractor()


class LiveSource:
    name = "live"

    def __init__(self, registry_dir: Path):
        self.registry_dir = Path(registry_dir)

    def extract_registry(self, lake: RunLake, period: Period) -> dict[str, int]:
        from .. import intake

        result = intake.intake(self.registry_dir)
        written = intake.write_outputs(result, lake.layer("raw"))
        counts = {name: table.num_rows for name, table in result.tables().items()}
        log.info("registry intake: %s rows; report: %s", counts, written["quarantine_report"])
        return counts

    def _pages(self, lake: RunLake, platform: str) -> list[tuple[str, str]]:
        mine = pq.read_table(
            lake.raw_table("pages"), columns=["page_id", "platform_page_id"], filters=[("platform", "=", platform)]
        ).sort_by("page_id")
        return list(zip(mine.column("page_id").to_pylist(), mine.column("platform_page_id").to_pylist(), strict=True))

    def plan_batches(self, lake: RunLake, platform: str) -> list[int]:
        """Batch numbers of the platform; one (empty) batch when it has no page, so that its mapped
        tasks run (an empty map would skip everything downstream)."""
        size = platforms.get(platform).batch_size
        return list(range(max(1, math.ceil(len(self._pages(lake, platform)) / size))))

    def extract_batch(self, lake: RunLake, period: Period, platform: str, batch: int) -> dict[str, int]:
        landing = Landing(lake.root, platform)
        if landing.done(batch):
            log.info("%s batch %d already landed: skipped", platform, batch)
            return {"batch": batch, "pages": 0, "calls": 0, "skipped": 1}
        size = platforms.get(platform).batch_size
        pages = self._pages(lake, platform)[batch * size : (batch + 1) * size]
        record = LandingBatch(platform, batch, str(period), [list(p) for p in pages])
        calls = throttled = 0
        if pages:  # no pages: an empty batch, and no account needed
            extractor = make_extractor(platform)
            extractor.fetch(record, pages, period)
            calls, throttled = extractor.api.calls, extractor.api.throttled
        landing.write(batch, record)
        counts = {"batch": batch, "pages": len(pages), "calls": calls, "throttled": throttled, "skipped": 0}
        write_json_atomic(_pacing_file(lake, platform, batch), counts)
        if throttled:
            log.warning(
                "%s batch %d: %d throttling answers in %d calls (the pace was lowered)",
                platform,
                batch,
                throttled,
                calls,
            )
        return counts

    def finish_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]:
        expected = len(self.plan_batches(lake, platform))
        counts = rebuild_raw(lake, platform, expected_batches=expected)
        pacing = pacing_summary(lake, platform)
        log.info("%s extraction: %d calls, %d throttling answers", platform, pacing["calls"], pacing["throttled"])
        return {**counts, "calls": pacing["calls"], "throttled": pacing["throttled"]}


def write_json_atomic(path: Path, record: dict) -> None:
    """A small JSON evidence file, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _pacing_file(lake: RunLake, platform: str, batch: int) -> Path:
    return lake.layer("evidence") / "extract" / platform / f"batch-{batch:05d}.json"


def pacing_summary(lake: RunLake, platform: str) -> dict[str, int]:
    """Calls and throttling answers of a platform's extraction in this run (batches extracted now or
    before a retry), written to evidence/extract/<platform>.json."""
    totals = {"batches": 0, "calls": 0, "throttled": 0}
    for path in sorted((lake.layer("evidence") / "extract" / platform).glob("batch-*.json")):
        counts = json.loads(path.read_text())
        totals["batches"] += 1
        totals["calls"] += int(counts.get("calls") or 0)
        totals["throttled"] += int(counts.get("throttled") or 0)
    write_json_atomic(lake.layer("evidence") / "extract" / f"{platform}.json", totals)
    return totals


def rebuild_raw(lake: RunLake, platform: str, expected_batches: int | None = None) -> dict[str, int]:
    """raw/page_stats/<platform> and raw/posts/<platform> from the landing archive alone."""
    landing = Landing(lake.root, platform)
    files = landing.batches()
    if expected_batches is not None and len(files) != expected_batches:
        raise ContractError(
            f"{landing.folder}: {len(files)} of {expected_batches} batches landed; extract the missing ones first"
        )
    parse = platforms.get(platform).parse
    stats_rows, post_rows = [], []
    for path in files:
        stats, posts = parse(Landing.read(path))
        stats_rows += stats
        post_rows += posts
    tables = {
        "page_stats": pa.Table.from_pylist(stats_rows, schema=SCHEMAS["page_stats"]),
        "posts": pa.Table.from_pylist(post_rows, schema=SCHEMAS["posts"]),
    }
    for name, table in tables.items():
        write_parquet(table, lake.raw_table(name, platform))
    return {name: table.num_rows for name, table in tables.items()}
