"""DAG integrity: every DAG file imports cleanly, is documented, owned, retried, tagged,
and does no heavy work when the scheduler parses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
HEAVY_MODULES = {"duckdb", "pyarrow", "pandas", "numpy", "great_expectations"}
# The retry policy module, the errors it knows, the alerts' callbacks, the Asset and the
# platform registry are light on purpose. Nothing else of the project may load while the
# scheduler parses.
ALLOWED_PROJECT_MODULES = {
    "gospublic_rating",
    "gospublic_rating.alerts",
    "gospublic_rating.assets",
    "gospublic_rating.errors",
    "gospublic_rating.retry",
    "gospublic_rating.platforms",
}


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "gospublic_rating" in dagbag.dags


def test_every_dag_is_documented_tagged_owned_and_retried(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id} has no real doc_md"
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"
            if task.task_id != "report":  # printing the report is not worth retrying
                assert task.retries >= 1, f"{dag_id}.{task.task_id} is not retried"


def test_monthly_dag_shape(dagbag):
    dag = dagbag.dags["gospublic_rating"]
    assert dag.max_active_runs == 1, "warehouse writers must run one at a time"
    assert dag.catchup is False
    assert set(dag.params.keys()) == {"period", "source", "input_dir", "registry_dir", "scale", "seed", "methodology"}
    order = [
        "resolve_run",
        "extract_registry",
        "extract_vk",
        "finish_vk",
        "validate_raw",
        "build_staging",
        "validate_staging",
        "build_intermediate",
        "validate_intermediate",
        "build_marts",
        "validate_marts",
        "publish",
        "report",
    ]
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert upstream in dag.get_task(downstream).upstream_task_ids | _ancestors(dag, downstream), (
            f"{upstream} must run before {downstream}"
        )
    assert dag.get_task("publish").outlets, "publish must emit the snapshot asset"


def _ancestors(dag, task_id):
    seen, todo = set(), [task_id]
    while todo:
        for upstream in dag.get_task(todo.pop()).upstream_task_ids:
            if upstream not in seen:
                seen.add(upstream)
                todo.append(upstream)
    return seen


def test_params_reject_bad_values(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    params = dagbag.dags["gospublic_rating"].params
    assert params.get_param("period").resolve(value="2026-10") == "2026-10"
    assert params.get_param("period").resolve(value=None) is None
    for wrong in ("2026-13", "10-2026", "2026-1", "2026-00", "２０２６-10"):
        with pytest.raises(ParamValidationError):
            params.get_param("period").resolve(value=wrong)
    with pytest.raises(ParamValidationError):
        params.get_param("source").resolve(value="vk")
    with pytest.raises(ParamValidationError):
        params.get_param("scale").resolve(value=0)


def test_parsing_a_dag_file_does_no_heavy_work():
    """Importing a DAG file must not import DuckDB, Arrow, pandas, GX or the project logic."""
    for dag_file in DAGS_DIR.glob("*.py"):
        probe = (
            "import json, runpy, sys; import airflow.sdk; before = set(sys.modules); "
            f"runpy.run_path({str(dag_file)!r}); "
            "print(json.dumps(sorted(set(sys.modules) - before)))"
        )
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
        heavy = {m.split(".")[0] for m in loaded} & HEAVY_MODULES
        assert not heavy, f"{dag_file.name} imports {heavy} at parse time"
        project = {m for m in loaded if m.split(".")[0] == "gospublic_rating"}
        assert project <= ALLOWED_PROJECT_MODULES, f"{dag_file.name} imports {project} at parse time"
