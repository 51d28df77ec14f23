"""The deployment's executor can load: the CeleryExecutor with its broker.

Found the hard way: with celery 5.7 the Celery provider cannot import (it needs
``celery.backends.database.retry``), so workers do not start; requirements.txt pins 5.6.3.
"""

from __future__ import annotations

import subprocess
import sys


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
