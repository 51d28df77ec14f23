"""
### gospublic_rating — the monthly rating of regions on their official public pages

Rates the 89 federal subjects by the methodology in
`include/gospublic_rating/methodologies/` (see `docs/methodology.md`) and publishes an
immutable snapshot to the warehouse (`snapshot.runs`, `snapshot.indicators`,
`snapshot.ranking`, `snapshot.page_metrics`).

**Flow (write, audit, publish):** resolve the run → extract the registry → extract each
platform (mapped) → validate raw → staging → validate → intermediate (page metrics, region
indicators) → validate → marts (scores, ranking) → validate → publish → report. Each
validate task runs the Great Expectations suites of its stage (`expectations/<stage>/`); a
failed suite stops the run and nothing is published. Evidence (GX results and their offline page)
stays in the run's lake folder, and the snapshot records which suites it passed.

**Period:** the `period` param (`YYYY-MM`) wins; otherwise the last complete month
(Moscow time) before the run's date. A scheduled run on the 2nd of a month rates the
month before.

**Methodology:** the `methodology` param (`v1`, `v2`, ...) wins; otherwise the newest file
in `methodologies/`. The snapshot records which (`snapshot.runs.methodology_version`).

**Sources:** `demo` (deterministic generated data, the default: no tokens needed),
`files` (`input_dir` holding the five contract tables as Parquet) or `live` (the registry
files in `registry_dir`, then each platform's API through its Airflow connection, in
batches mapped over pages, one pool per API account: the platforms, their connections and
pools come from the platform registry, `include/gospublic_rating/platforms/`).

All logic lives in `include/gospublic_rating`; this file only wires it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, chain, dag, task
from gospublic_rating.alerts import RunNotifier, record_failure
from gospublic_rating.assets import RANKING_ASSET
from gospublic_rating.platforms import pools
from gospublic_rating.retry import RETRIES, RETRY_DELAY, TransientOnly

# One pool per API account caps how many batches call it at once; the client itself paces
# requests to the account's rate. (`make run` and `make test` create the pools with one slot each.)
# The tasks of a platform that the run's methodology does not rate (max under v1) do nothing.
PLATFORM_POOLS = pools()


@dag(
    dag_id="gospublic_rating",
    schedule="0 6 2 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Moscow"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["gospublic", "rating", "monthly"],
    # a mail on failure (task, cause, published or not) and, when enabled, a summary on success
    on_failure_callback=RunNotifier("failure"),
    on_success_callback=RunNotifier("success"),
    default_args={
        "owner": "gospublic-data-team",
        # only transient errors (network, I/O, lock contention) are retried; anything else fails at once
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_policy": TransientOnly(RETRY_DELAY),
        "on_failure_callback": record_failure,  # keeps the cause for the run's alert
    },
    params={
        "period": Param(
            None,
            type=["null", "string"],
            pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
            description="Month to rate, YYYY-MM. Empty: the last complete month before the run date.",
        ),
        "source": Param("demo", enum=["demo", "files", "live"], description="Where the inputs come from."),
        "input_dir": Param(
            None, type=["null", "string"], description="For source=files: folder of the five contract Parquet files."
        ),
        "registry_dir": Param(
            None, type=["null", "string"], description="For source=live: folder of the regions' registry files."
        ),
        "scale": Param(
            None, type=["null", "integer"], minimum=1, description="For source=demo: number of organisations."
        ),
        "seed": Param(None, type=["null", "integer"], description="For source=demo: random seed."),
        "methodology": Param(
            None,
            type=["null", "string"],
            pattern=r"^v[0-9]+$",
            description="Methodology version (methodologies/<version>.toml), e.g. v1. Empty: the newest.",
        ),
    },
)
def gospublic_rating():
    @task
    def resolve_run(params=None, dag_run=None) -> dict:
        from gospublic_rating.pipeline import RunSpec

        spec = RunSpec.resolve(
            period=params["period"],
            run_after=dag_run.run_after,
            dag_run_id=dag_run.run_id,
            source=params["source"],
            scale=params["scale"],
            seed=params["seed"],
            input_dir=params["input_dir"],
            registry_dir=params["registry_dir"],
            methodology=params.get("methodology"),
            run_type=dag_run.run_type,
            conf=dag_run.conf,
        )
        return spec.to_dict()

    @task
    def extract_registry(spec: dict) -> dict:
        from gospublic_rating.pipeline import RunSpec, extract_registry

        return extract_registry(RunSpec.from_dict(spec))

    @task
    def plan_batches(spec: dict, platform: str) -> list[int]:
        from gospublic_rating.pipeline import RunSpec, plan_batches

        return plan_batches(RunSpec.from_dict(spec), platform)

    @task(map_index_template="batch {{ task.op_kwargs['batch'] }}")
    def extract_batch(spec: dict, platform: str, batch: int) -> dict:
        from gospublic_rating.pipeline import RunSpec, extract_batch

        return extract_batch(RunSpec.from_dict(spec), platform, batch)

    @task
    def finish_platform(spec: dict, platform: str) -> dict:
        from gospublic_rating.pipeline import RunSpec, finish_platform

        return finish_platform(RunSpec.from_dict(spec), platform)

    @task
    def build_layer(spec: dict, layer: str) -> dict:
        from gospublic_rating.pipeline import RunSpec, build_layer

        return build_layer(RunSpec.from_dict(spec), layer)

    @task
    def validate(spec: dict, stage: str) -> dict:
        from gospublic_rating.pipeline import RunSpec, validate

        return validate(RunSpec.from_dict(spec), stage)

    @task(outlets=[RANKING_ASSET])
    def publish(spec: dict, outlet_events=None) -> dict:
        from gospublic_rating.pipeline import RunSpec, event_extra, publish_snapshot

        published = publish_snapshot(RunSpec.from_dict(spec))
        outlet_events[RANKING_ASSET].extra = event_extra(published)
        return published

    @task(retries=0)
    def report(published: dict) -> str:
        from gospublic_rating.lake import data_dir
        from gospublic_rating.reporting import write_published
        from gospublic_rating.reporting.text import top

        text = top(None, published["snapshot_id"])  # the warehouse publish wrote to (either back end)
        paths = write_published(None, published["snapshot_id"], data_dir() / "reports")
        print(text + "\nreports:\n" + "\n".join(f"  {path}" for path in paths))
        return text

    spec = resolve_run()
    registry = extract_registry(spec)
    platforms = []
    for platform, pool in PLATFORM_POOLS.items():
        batches = plan_batches.override(task_id=f"plan_{platform}")(spec, platform)
        registry >> batches
        extracted = (
            extract_batch.override(task_id=f"extract_{platform}", pool=pool)
            .partial(spec=spec, platform=platform)
            .expand(batch=batches)
        )
        finished = finish_platform.override(task_id=f"finish_{platform}")(spec, platform)
        extracted >> finished
        platforms.append(finished)
    steps = [platforms, validate.override(task_id="validate_raw")(spec, "raw")]
    for layer in ("staging", "intermediate", "marts"):
        steps.append(build_layer.override(task_id=f"build_{layer}")(spec, layer))
        steps.append(validate.override(task_id=f"validate_{layer}")(spec, layer))
    published = publish(spec)
    chain(*steps, published)
    report(published)


gospublic_rating()
