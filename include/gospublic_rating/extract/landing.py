"""The landing archive: every raw API response of a run, kept for audit and replay.

    <run>/landing/<platform>/batch-00001.jsonl.gz

One gzip-compressed JSON-lines file per batch of pages, written atomically when the
batch is complete. The first line describes the batch (its pages and period); every other
line is one call: method, parameters without secrets, response, time received. A batch
whose file exists is finished: a retried task skips it, so no page is written twice; the
platform's raw Parquet is rebuilt from these files alone.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..contract import ContractError
from ..period import Period
from .http import redact


class MalformedLanding(ContractError):
    """A landing batch that does not read as its platform wrote it: the file and what is wrong."""


def batch_head(records: Iterator[dict[str, Any]], platform: str) -> tuple[dict[str, Any], Period]:
    """The first record of a landing batch (what it covers) and its period; MalformedLanding otherwise."""
    head = next(records, None)
    if not isinstance(head, dict) or head.get("kind") != "batch":
        raise MalformedLanding(f"{platform} landing batch: the first record must describe the batch")
    try:
        return head, Period.parse(head["period"])
    except (KeyError, ValueError) as error:
        raise MalformedLanding(f"{platform} landing batch {head.get('batch')}: no readable period ({error})") from None


class LandingBatch:
    """Records of one batch, collected while its calls run."""

    def __init__(self, platform: str, batch_no: int, period: str, pages: list[tuple[str, str]]):
        self.records: list[dict[str, Any]] = [
            {"kind": "batch", "platform": platform, "batch": batch_no, "period": period, "pages": pages}
        ]

    def add(self, method: str, params: dict[str, Any], response: Any) -> None:
        self.records.append(
            {
                "kind": "call",
                "method": method,
                "params": redact(params),
                "response": response,
                "received_at": datetime.now(UTC).isoformat(),
            }
        )


class Landing:
    """The landing folder of one platform in one run."""

    def __init__(self, run_root: Path, platform: str):
        self.folder = run_root / "landing" / platform

    def path(self, batch_no: int) -> Path:
        return self.folder / f"batch-{batch_no:05d}.jsonl.gz"

    def done(self, batch_no: int) -> bool:
        return self.path(batch_no).exists()

    def write(self, batch_no: int, batch: LandingBatch) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(batch_no)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with gzip.open(tmp, "wt", encoding="utf-8") as handle:
                for record in batch.records:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def batches(self) -> list[Path]:
        return sorted(self.folder.glob("batch-*.jsonl.gz"))

    @staticmethod
    def read(path: Path) -> Iterator[dict[str, Any]]:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)
