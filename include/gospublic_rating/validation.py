"""Validation stages: Great Expectations suites run on frames taken from DuckDB.

A stage (``raw``, ``staging``, ``intermediate``, ``marts``) runs every suite in
``expectations/<stage>/``. Suite ``<stage>.<name>`` validates the frame that
``sql/checks/<stage>/<name>.sql`` selects from the run's lake. GX's SQL path does not work
on DuckDB. A suite of row-level expectations is pushed down (pushdown.py): DuckDB counts
the violating rows and selects examples, GX evaluates the suite on the examples. Any other
suite (row counts: small frames) goes through Arrow into pandas and GX whole.

Every result is kept as evidence in ``<run>/evidence/validation/<stage>/`` (GX result JSON
per suite and a stage summary) and rendered into one offline page,
``<run>/evidence/validation/index.html`` (:mod:`.evidence_page`). A failed or raised
expectation fails the stage with :class:`ValidationFailed`, which names the suite, the
expectation and example rows.
"""

from __future__ import annotations

import json
import logging
import os
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from . import evidence_page, models, pushdown, warehouse
from .contract import duckdb_columns
from .errors import NotRetryable, ResourceExhausted
from .lake import PROJECT_ROOT, RunLake
from .period import Period
from .platforms import PLATFORMS
from .reference import load_regions

log = logging.getLogger(__name__)

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
CHECKS_DIR = models.SQL_DIR / "checks"
STAGES = ("raw", "staging", "intermediate", "marts")
EXAMPLES = 5


class ValidationFailed(NotRetryable, RuntimeError):
    """A validation stage failed: nothing of this run may be published."""


@dataclass
class SuiteOutcome:
    suite: str
    chunk: str | None
    success: bool
    evaluated: int
    successful: int
    rows: int
    result_path: str
    failures: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.suite} [{self.chunk}]" if self.chunk else self.suite


def settings() -> dict:
    return tomllib.loads((EXPECTATIONS_DIR / "settings.toml").read_text(encoding="utf-8"))


def previous_volume(period: Period, source: str) -> tuple[int, int] | None:
    """(pages_count, posts_count) of the newest published version of the month before, same source."""
    try:
        with warehouse.open_reader() as reader:
            runs = reader.read("runs").to_pylist()
    except warehouse.WarehouseMissing:
        return None
    earlier = [r for r in runs if (r["period"], r["source"]) == (str(period.previous()), source)]
    if not earlier:
        return None
    newest = max(earlier, key=lambda r: r["version"])
    return newest["pages_count"], newest["posts_count"]


def previous_not_found(period: Period, source: str) -> dict[str, float] | None:
    """Platform → share of its pages not_found in the newest published version of the month
    before, same source (from that snapshot's page_metrics); None when there is none."""
    try:
        with warehouse.open_reader() as reader:
            runs = reader.read("runs").to_pylist()
            earlier = [r for r in runs if (r["period"], r["source"]) == (str(period.previous()), source)]
            if not earlier:
                return None
            newest = max(earlier, key=lambda r: r["version"])
            metrics = reader.read("page_metrics", newest["snapshot_id"]).select(["platform", "status"]).to_pylist()
    except warehouse.WarehouseMissing:
        return None
    pages: dict[str, int] = {}
    not_found: dict[str, int] = {}
    for row in metrics:
        pages[row["platform"]] = pages.get(row["platform"], 0) + 1
        not_found[row["platform"]] = not_found.get(row["platform"], 0) + (row["status"] == "not_found")
    return {platform: not_found[platform] / count for platform, count in pages.items()}


def not_found_bounds(methodology, period: Period, source: str, rise: float) -> list[float]:
    """Per platform of the methodology (in its order): the highest share of pages not_found the
    run may have: the previous period's share plus ``rise``, or 1.0 without a previous share."""
    previous = previous_not_found(period, source) or {}
    return [min(1.0, previous[p] + rise) if p in previous else 1.0 for p in methodology.platforms]


def suite_parameters(methodology, period: Period, source: str) -> dict[str, object]:
    """The values suites refer to as {"$PARAMETER": name} and check SQL as $name."""
    codes = load_regions().column("region_code").to_pylist()
    configured = settings()
    volume = configured["volume"]
    previous = previous_volume(period, source)
    pages_min = pages_max = posts_min = posts_max = None
    if previous:
        pages, posts = previous
        pages_min, pages_max = pages * volume["pages_min_ratio"], pages * volume["pages_max_ratio"]
        posts_min, posts_max = posts * volume["posts_min_ratio"], posts * volume["posts_max_ratio"]
    return {
        **models.sql_parameters(methodology, period),
        "period_list": [str(period)],
        "region_codes": codes,
        "regions_count": len(codes),
        "platforms": list(methodology.platforms),
        "engagement_platforms": [p.name for p in PLATFORMS.values() if p.reports_engagement],
        "indicator_ids": [i.id for i in methodology.indicators],
        "indicator_rows": len(codes) * len(methodology.indicators),
        "pages_min": pages_min if pages_min is not None else 0,
        "pages_max": pages_max,
        "posts_min": posts_min if posts_min is not None else 0,
        "posts_max": posts_max,
        "not_found_bounds": not_found_bounds(
            methodology, period, source, configured["silent_gaps"]["max_not_found_rise"]
        ),
        **configured["counters"],
        **configured["page_ids"],
    }


def _describe(result, rows: int) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    text = f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    raised = _raised(result)
    if raised:
        return f"{text} raised an exception (counted as failed): {raised}"
    details = result.result or {}
    if details.get("unexpected_count") is not None:
        text += f": {details['unexpected_count']:,} unexpected of {rows:,} rows"
        indexed = details.get("partial_unexpected_index_list") or []
        examples = indexed if indexed and isinstance(indexed[0], dict) else details.get("partial_unexpected_list") or []
        if examples:
            text += "; e.g. " + "; ".join(_example(e) for e in examples[:EXAMPLES])
    elif "observed_value" in details:
        text += f": observed {details['observed_value']!r}"
    notes = config.meta.get("notes") if config.meta else None
    return text + (f" ({notes})" if notes else "")


def _raised(result) -> str | None:
    """The message of an exception the expectation raised, if it raised one."""
    info = result.exception_info or {}
    entries = [info] if "raised_exception" in info else [i for i in info.values() if isinstance(i, dict)]
    for entry in entries:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "unknown error")
    return None


def _example(example) -> str:
    if isinstance(example, dict):
        return ", ".join(f"{k}={_plain(v)}" for k, v in example.items())
    return str(_plain(example))


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def start_gx():
    """Import Great Expectations, quietly and without calling home; return the module."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return gx


class _Runner:
    """One GX context per stage: its suites and results."""

    def __init__(self):
        gx = start_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every frame by hashing all its rows, which took a third of the
        # validation time at national scale. The evidence identifies the data by the run's
        # lake folder instead, so frames are never hashed.
        pandas_execution_engine.HASH_THRESHOLD = 0

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.suites = {}

    def run(self, suite_json: dict, name: str, frame, params: dict):
        """Validate ``frame``; results carry counts, observed values and examples."""
        if suite_json["name"] not in self.suites:
            self.suites[suite_json["name"]] = self.context.suites.add(self.gx.ExpectationSuite(**suite_json))
        suite = self.suites[suite_json["name"]]
        # A data source per frame: deleting it afterwards lets go of the frame, which GX's
        # execution engine and the result's metadata would otherwise keep alive.
        source = self.context.data_sources.add_pandas(name)
        batch = source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("frame")
        definition = self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        ids = [c for c in suite_json.get("meta", {}).get("id_columns", []) if c in frame.columns]
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
        if ids:
            result_format["unexpected_index_column_names"] = ids
        try:
            result = definition.run(
                batch_parameters={"dataframe": frame}, expectation_parameters=params, result_format=result_format
            )
        finally:
            self.context.data_sources.delete(name)
        result.meta.pop("batch_spec", None)
        result.meta.pop("batch_parameters", None)
        return result


def _stage_layers(stage: str) -> list[str]:
    """The model layers a stage's check frames may read: its own and those before it."""
    return [] if stage == "raw" else [*models.layers_before(stage), stage]


def validate_stage(lake: RunLake, stage: str, methodology, period: Period, source: str) -> list[SuiteOutcome]:
    """Run every suite of ``stage`` on the run in ``lake``; raise ValidationFailed on any failure."""
    if stage not in STAGES:
        raise ValueError(f"unknown validation stage {stage!r}")
    evidence = lake.layer("evidence") / "validation" / stage
    evidence.mkdir(parents=True, exist_ok=True)
    params = suite_parameters(methodology, period, source)
    runner = _Runner()
    outcomes: list[SuiteOutcome] = []
    with models.connect() as con:
        try:
            models.attach_raw(con, lake)
            models.install_methodology(con, methodology)
            models.attach_layers(con, lake, _stage_layers(stage), params)
        except duckdb.Error as error:
            _write_summary(evidence.with_suffix(".json"), stage, [])
            evidence_page.write(evidence.parent)
            raise ValidationFailed(
                f"validation stage {stage} failed: the run's tables cannot be read: {error}"
            ) from None
        con.execute("create table contract_columns (table_name varchar, column_name varchar, data_type varchar)")
        con.executemany("insert into contract_columns values (?, ?, ?)", duckdb_columns())
        con.from_arrow(load_regions()).create("reference_regions")
        for suite_path in sorted((EXPECTATIONS_DIR / stage).glob("*.json")):
            suite_json = for_methodology(json.loads(suite_path.read_text(encoding="utf-8")), methodology)
            sql = _projected((CHECKS_DIR / stage / f"{suite_path.stem}.sql").read_text(encoding="utf-8"), suite_json)
            outcomes.append(_validate_one(runner, con, suite_json, sql, params, evidence))
    _write_summary(evidence.with_suffix(".json"), stage, outcomes)
    evidence_page.write(evidence.parent)
    failed = [o for o in outcomes if not o.success]
    if failed:
        lines = [f"validation stage {stage} failed: {len(failed)} of {len(outcomes)} suites"]
        for outcome in failed:
            lines += [f"  suite {outcome.label}:"] + [f"    - {f}" for f in outcome.failures]
        lines.append(f"  evidence: {evidence}")
        raise ValidationFailed("\n".join(lines))
    return outcomes


def for_methodology(suite_json: dict, methodology) -> dict:
    """The suite with its ``meta.per_indicator`` templates expanded: for every indicator of the
    methodology, the expectations of its kind, "{indicator}" replaced by its id (v1 checks
    I1..I8, v2 also I9)."""
    templates = suite_json.get("meta", {}).get("per_indicator")
    if not templates:
        return suite_json
    expanded = [
        json.loads(json.dumps(template).replace("{indicator}", indicator.id))
        for indicator in methodology.indicators
        for template in templates.get(indicator.kind, [])
    ]
    return {**suite_json, "expectations": suite_json["expectations"] + expanded}


def _projected(sql: str, suite_json: dict) -> str:
    """Select only the columns the suite looks at: frames stay small."""
    columns: list[str] = list(suite_json.get("meta", {}).get("id_columns", []))
    for expectation in suite_json["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_table_columns_to_match_set":
            return sql  # the suite looks at every column
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                columns.append(kwargs[key])
        columns += kwargs.get("column_list", [])
    if not columns:
        return sql
    listed = ", ".join(f'"{c}"' for c in dict.fromkeys(columns))
    return f"select {listed} from (\n{sql}\n)"


def _validate_one(runner, con, suite_json, sql, params, evidence) -> SuiteOutcome:
    name = suite_json["name"]
    started = time.perf_counter()
    pushed = None
    try:
        if pushdown.pushable(suite_json):
            pushed = pushdown.check(con, sql, suite_json, params, EXAMPLES)
            frame = pushed.examples
        else:
            frame = pushdown.pandas_frame(con, sql, params)
    except (duckdb.OutOfMemoryException, MemoryError) as error:
        raise ResourceExhausted(
            f"suite {name}: out of memory while building its check frame "
            f"({' '.join(str(error).split())[:200]}); not a data failure: raise GOSPUBLIC_DUCKDB_MEMORY_LIMIT "
            "or free memory, then rerun"
        ) from None
    except duckdb.Error as error:
        return SuiteOutcome(name, None, False, 0, 0, 0, "", [f"the check frame could not be built: {error}"])
    result = runner.run(suite_json, name, frame, params)
    rows = len(frame) if pushed is None else pushed.rows
    failures = [_describe(r, rows) for r in result.results if not r.success or _raised(r)]
    record = result.to_json_dict()
    if pushed is not None:
        failures = _merge_pushdown(record, result, runner.suites[name], pushed)
    path = evidence / f"{name}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    outcome = SuiteOutcome(
        name,
        None,
        not failures,
        len(record["results"]),
        sum(1 for r in record["results"] if r["success"]),
        rows,
        str(path),
        failures,
    )
    log.info(
        "suite %s: %s (%d/%d expectations, %d rows, %.1f s)",
        outcome.label,
        "passed" if outcome.success else "FAILED",
        outcome.successful,
        outcome.evaluated,
        rows,
        time.perf_counter() - started,
    )
    return outcome


def _merge_pushdown(record: dict, result, suite, pushed: pushdown.Pushdown) -> list[str]:
    """Put DuckDB's counts over every row into GX's results on the examples; return the failures.

    An expectation fails when its SQL raised, DuckDB counted a violating row, or GX failed
    it (or raised) on the example rows.
    """
    index = {expectation.id: i for i, expectation in enumerate(suite.expectations)}
    failures = []
    for r, entry in zip(result.results, record["results"], strict=True):
        i = index[r.expectation_config.id]
        count, error = pushed.counts[i], pushed.errors[i]
        details = entry.setdefault("result", {})
        details["element_count"] = pushed.rows
        details["unexpected_count"] = count
        details["unexpected_percent"] = (
            (100.0 * count / pushed.rows if pushed.rows else 0.0) if count is not None else None
        )
        details["examples_checked_by_gx"] = r.result.get("element_count") if r.result else None
        if r.result is not None:
            r.result["unexpected_count"] = count
        if error:
            entry["exception_info"] = {"raised_exception": True, "exception_message": error}
        failed = bool(error) or bool(count) or not r.success or _raised(r) is not None
        entry["success"] = not failed
        if failed:
            text = _describe(r, pushed.rows)
            if error and not _raised(r):
                text += f"; raised an exception (counted as failed): {error}"
            elif count and r.success:
                text += " (GX passed the example rows: the SQL of the pushdown and GX disagree)"
            failures.append(text)
    record["success"] = not failures
    evaluated = len(record["results"])
    record["statistics"] = {
        **record.get("statistics", {}),
        "evaluated_expectations": evaluated,
        "successful_expectations": evaluated - len(failures),
        "unsuccessful_expectations": len(failures),
        "success_percent": 100.0 * (evaluated - len(failures)) / evaluated if evaluated else None,
    }
    record.setdefault("meta", {})["pushdown"] = {
        "rows": pushed.rows,
        "example_rows": len(pushed.examples),
        "how": "violating rows counted by DuckDB over every row; GX evaluated the suite on the example rows",
    }
    return failures


def _write_summary(path: Path, stage: str, outcomes: list[SuiteOutcome]) -> None:
    record = {"stage": stage, "success": all(o.success for o in outcomes), "suites": [asdict(o) for o in outcomes]}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")


def stage_summary(lake: RunLake, stage: str) -> dict | None:
    path = lake.layer("evidence") / "validation" / f"{stage}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
