"""The steps of a monthly run, as plain functions the DAG's tasks call.

Each step takes a :class:`RunSpec` (what to rate, from where, into which lake folder) and
does one transaction over that run's partition of the lake: rerunning a step replaces what
it wrote before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from . import models, settings, validation, warehouse
from .errors import NotRetryable
from .lake import RunLake, data_dir, run_key
from .methodology import DEFAULT_VERSION, Methodology
from .methodology import load as load_methodology
from .period import Period
from .sources import make_source, synthetic_marker
from .warehouse import Snapshot, publish

log = logging.getLogger(__name__)


def _malloc_trim():
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    return (lambda: trim(0)) if trim else (lambda: 0)


_trim = _malloc_trim()


def releases_memory(step):
    """Give the memory a step freed back to the system when it ends.

    A deployment runs each task in its own process, but `airflow dags test` (make run) and
    :func:`run_all` run every step in one: without this the allocators keep what the big steps
    freed (Arrow's pool, glibc's heap), and the next step's peak adds to it (ten times the nation
    started the report holding 1.2 GiB of earlier steps).
    """

    @functools.wraps(step)
    def run(*args, **kwargs):
        try:
            return step(*args, **kwargs)
        finally:
            import pyarrow as pa

            pa.default_memory_pool().release_unused()
            _trim()

    return run


class PublicationRefused(NotRetryable, RuntimeError):
    """The publication rule was not met: nothing is published for this run."""


@dataclass(frozen=True)
class RunSpec:
    period: str
    dag_run_id: str
    source: str = "demo"
    scale: int | None = None
    seed: int | None = None
    input_dir: str | None = None
    registry_dir: str | None = None
    # The methodology file the run is rated by (methodologies/<version>.toml); recorded in
    # the snapshot (snapshot.runs.methodology_version).
    methodology_version: str = DEFAULT_VERSION

    @classmethod
    def resolve(
        cls,
        *,
        period: str | None,
        run_after: datetime,
        dag_run_id: str,
        source: str = "demo",
        scale: int | None = None,
        seed: int | None = None,
        input_dir: str | None = None,
        registry_dir: str | None = None,
        methodology: str | None = None,
        run_type: object = "manual",
        conf: dict | None = None,
    ) -> RunSpec:
        """Fix what a run rates: the named period, else the last complete month before ``run_after``;
        the named methodology, else the newest.

        A scheduled or backfill run (``run_type``) takes its source and registry folder from the
        deployment's settings (:func:`settings.scheduled_inputs`), not from the params' defaults,
        unless its ``conf`` names a source (a backfill created with ``--dag-run-conf``).
        """
        settings.check()
        chosen = Period.parse(period) if period else Period.last_complete_before(run_after)
        chosen.require_complete(run_after)
        rules = load_methodology(methodology or DEFAULT_VERSION)  # an unknown version fails here
        scheduled = getattr(run_type, "value", run_type) in settings.SCHEDULED_RUN_TYPES  # a DagRunType or text
        if scheduled and "source" not in (conf or {}):
            inputs = settings.scheduled_inputs(str(chosen))
            source, registry_dir, input_dir = inputs["source"], inputs["registry_dir"], None
        # fails early on bad settings
        make_source(
            source, scale=scale, seed=seed, input_dir=input_dir, registry_dir=registry_dir, platforms=rules.platforms
        )
        return cls(
            period=str(chosen),
            dag_run_id=dag_run_id,
            source=source,
            scale=scale,
            seed=seed,
            input_dir=str(Path(input_dir).resolve()) if input_dir else None,
            registry_dir=str(Path(registry_dir).resolve()) if registry_dir else None,
            methodology_version=rules.version,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        return cls(**data)

    @property
    def lake(self) -> RunLake:
        return RunLake.for_run(self.period, self.dag_run_id)

    @property
    def methodology(self) -> Methodology:
        return load_methodology(self.methodology_version)

    def source_impl(self):
        return make_source(
            self.source,
            scale=self.scale,
            seed=self.seed,
            input_dir=self.input_dir,
            registry_dir=self.registry_dir,
            platforms=self.methodology.platforms,
        )


@releases_memory
def extract_registry(spec: RunSpec) -> dict[str, int]:
    started = time.perf_counter()
    counts = spec.source_impl().extract_registry(spec.lake, Period.parse(spec.period))
    log.info("registry from %s: %s rows in %.1f s", spec.source, counts, time.perf_counter() - started)
    return counts


def rated(spec: RunSpec, platform: str) -> bool:
    """Whether the run's methodology rates ``platform``. The DAG has tasks for every platform;
    those of a platform the methodology does not list (max under v1) do nothing."""
    if platform in spec.methodology.platforms:
        return True
    log.info("%s is not a platform of methodology %s: nothing to extract", platform, spec.methodology_version)
    return False


def plan_batches(spec: RunSpec, platform: str) -> list[int]:
    # One batch that does nothing for a platform not rated: a mapped task over no batch would
    # be skipped, and with it every task after it.
    if not rated(spec, platform):
        return [0]
    return spec.source_impl().plan_batches(spec.lake, platform)


@releases_memory
def extract_batch(spec: RunSpec, platform: str, batch: int) -> dict[str, int]:
    if not rated(spec, platform):
        return {"batch": batch, "skipped": 1}
    started = time.perf_counter()
    counts = spec.source_impl().extract_batch(spec.lake, Period.parse(spec.period), platform, batch)
    log.info("%s batch %d from %s: %s in %.1f s", platform, batch, spec.source, counts, time.perf_counter() - started)
    return counts


@releases_memory
def finish_platform(spec: RunSpec, platform: str) -> dict[str, int]:
    if not rated(spec, platform):
        return {}
    counts = spec.source_impl().finish_platform(spec.lake, Period.parse(spec.period), platform)
    log.info("%s from %s: %s rows", platform, spec.source, counts)
    return counts


@releases_memory
def build_layer(spec: RunSpec, layer: str) -> dict[str, int]:
    started = time.perf_counter()
    counts = models.run_layer(spec.lake, layer, spec.methodology, Period.parse(spec.period))
    log.info("%s layer built: %s rows in %.1f s", layer, counts, time.perf_counter() - started)
    return counts


@releases_memory
def validate(spec: RunSpec, stage: str) -> dict:
    """Run the validation suites of ``stage``; ValidationFailed stops the run."""
    started = time.perf_counter()
    outcomes = validation.validate_stage(spec.lake, stage, spec.methodology, Period.parse(spec.period), spec.source)
    log.info("validation stage %s passed: %d suites in %.1f s", stage, len(outcomes), time.perf_counter() - started)
    return {"stage": stage, "suites": len(outcomes), "expectations": sum(o.evaluated for o in outcomes)}


def run_volume(spec: RunSpec) -> dict:
    """Registry pages, posts and page-stats coverage of the run (the raw.run_volume check frame)."""
    return models.run_volume(spec.lake, spec.period)


@releases_memory
def publish_snapshot(spec: RunSpec) -> dict:
    """Publish the run's snapshot if every validation stage passed and coverage meets the rule."""
    methodology = spec.methodology
    volume = run_volume(spec)
    evidence = {"period": spec.period, **volume, "min_page_stats_coverage": methodology.min_page_stats_coverage}
    summaries = {stage: validation.stage_summary(spec.lake, stage) for stage in validation.STAGES}
    unpassed = [stage for stage, summary in summaries.items() if not (summary and summary["success"])]
    reason = None
    if unpassed:
        reason = f"validation stage(s) {', '.join(unpassed)} did not pass"
    elif volume["page_stats_coverage"] < methodology.min_page_stats_coverage:
        reason = (
            f"page-stats coverage {volume['page_stats_coverage']:.2%} is below "
            f"{methodology.min_page_stats_coverage:.0%} of registry pages"
        )
    if reason:
        _write_evidence(spec, {**evidence, "published": False, "reason": reason})
        raise PublicationRefused(f"not published: {reason}")
    with models.connect() as con:
        regions_file = spec.lake.layer("staging") / "stg_regions.parquet"
        expected_regions = con.execute(
            "select count(*) from read_parquet($path)", {"path": str(regions_file)}
        ).fetchall()[0][0]
    validations = [
        (
            summary["stage"],
            suite["suite"],
            suite["chunk"],
            suite["success"],
            suite["evaluated"],
            suite["successful"],
            suite["rows"],
            suite["result_path"],
        )
        for summary in summaries.values()
        for suite in summary["suites"]
    ]
    where = warehouse.location()
    snapshot: Snapshot = publish(
        where,
        spec.lake,
        period=spec.period,
        source=spec.source,
        dag_run_id=spec.dag_run_id,
        methodology=methodology,
        is_demo=spec.source == "demo" or synthetic_marker(spec.lake) is not None,
        volume=volume,
        validations=validations,
        expected_regions=expected_regions,
    )
    _write_evidence(spec, {**evidence, "published": True, **snapshot.event_extra, "reason": snapshot.reason or None})
    verb = f"not published again: {snapshot.reason}" if snapshot.already_published else "published"
    log.info("snapshot %s (%d regions) %s", snapshot.snapshot_id, snapshot.regions, verb)
    return {
        **snapshot.event_extra,
        "warehouse": warehouse.shown(where),
        "regions": snapshot.regions,
        "already_published": snapshot.already_published,
        "reason": snapshot.reason,
    }


def event_extra(published: dict) -> dict:
    """The ``extra`` of the publication's Asset event, from what publish_snapshot returned."""
    return {key: published[key] for key in Snapshot.EVENT_KEYS}


def run_all(spec: RunSpec, *, before_validate: dict | None = None, publish: bool = True) -> RunSpec:
    """Every step of the DAG in the DAG's order, in this process, without Airflow (tests,
    benchmarks, scripts). ``before_validate`` maps a stage to a function of the spec called just
    before that stage is validated (how tests inject bad data where it would arrive)."""
    before_validate = before_validate or {}
    extract_registry(spec)
    for platform in spec.methodology.platforms:
        for batch in plan_batches(spec, platform):
            extract_batch(spec, platform, batch)
        finish_platform(spec, platform)
    for stage in validation.STAGES:
        if stage != "raw":
            build_layer(spec, stage)
        if stage in before_validate:
            before_validate[stage](spec)
        validate(spec, stage)
    if publish:
        publish_snapshot(spec)
    return spec


def publication_record(dag_run_id: str) -> dict | None:
    """What the publish step of DAG run ``dag_run_id`` recorded (evidence/publication.json), if it ran."""
    for path in sorted((data_dir() / "lake").glob(f"*/{run_key(dag_run_id)}/evidence/publication.json")):
        return json.loads(path.read_text(encoding="utf-8"))
    return None


def _write_evidence(spec: RunSpec, record: dict) -> None:
    folder = spec.lake.layer("evidence")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "publication.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
