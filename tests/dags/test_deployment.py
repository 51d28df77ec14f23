"""The deployment's executor can load: the CeleryExecutor with its broker.

Found the hard way: with celery 5.7 the Celery provider cannot import (it needs
``celery.backends.database.retry``), so workers do not start; requirements.txt pins 5.6.3.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_celery_executor_and_worker_app_load_with_the_configured_broker():
    probe = (
        "from airflow.providers.celery.executors import celery_executor_utils as u; "
        "from airflow.providers.celery.executors.celery_executor import CeleryExecutor; "
        "print(u.app.conf.broker_url)"
    )
    env = {
        "AIRFLOW__CORE__EXECUTOR": "airflow.providers.celery.executors.celery_executor.CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:6379/5",
    }
    import os

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "redis://127.0.0.1:6379/5"


def test_the_settings_file_has_every_pool_the_dags_use_and_every_settings_variable():
    """deploy/airflow_settings.json and the DAGs cannot drift: a task's pool missing there would queue forever."""
    from airflow.dag_processing.dagbag import DagBag
    from gospublic_rating import settings
    from gospublic_rating.local_airflow import load_settings

    file = load_settings()
    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"))
    used = {task.pool for dag in bag.dags.values() for task in dag.tasks} - {"default_pool"}
    assert used, "the monthly DAG runs its extraction in pools"
    assert used <= set(file["pools"]), f"pools used by the DAGs but not created: {used - set(file['pools'])}"
    assert {"vk_api", "ok_api", "tgstat_api", "max_api"} <= set(file["pools"])
    assert set(file["connections"]) >= {"vk_api", "ok_api", "tgstat_api", "max_api", "smtp_default"}
    assert set(file["variables"]) == {name.lower() for name in settings.VARIABLES}
    # dummy values only: no token is ever committed
    assert {conn.get("password") for conn in file["connections"].values()} <= {"dummy-token", None}
