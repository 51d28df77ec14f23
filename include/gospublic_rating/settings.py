"""The deployment's settings: every one the project reads, in one table, checked at start.

Each setting is an environment variable; an Airflow Variable of the same name in lower
case (``gospublic_registry_root``; or ``AIRFLOW_VAR_GOSPUBLIC_REGISTRY_ROOT``) overrides it
inside Airflow tasks and callbacks. Settings are read lazily, when a task runs: never when
the scheduler parses a DAG file. A task asks Airflow for each Variable once (every ask is a
call to the API server) and keeps its answer until the task ends; the next task, even in the
same process (``airflow dags test``), asks again. Outside Airflow nothing is kept: the
environment is read at every call. `make run` checks them in ``preflight`` before Airflow
starts; a bad value fails with a one-line :class:`SettingsError` naming the variable.
The table of docs/deployment.md documents :data:`VARIABLES` (a test keeps them equal).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEDULED_SOURCES = ("live", "demo")
# The kinds of DAG run that take their inputs from the deployment, not from the trigger's params.
SCHEDULED_RUN_TYPES = ("scheduled", "backfill")

# name: (default, meaning)
VARIABLES: dict[str, tuple[str, str]] = {
    "GOSPUBLIC_DATA_DIR": ("<project>/data", "folder of the lake and the warehouse; shared by every worker"),
    "GOSPUBLIC_WAREHOUSE_URL": ("", "`postgresql://…`: publish to PostgreSQL instead of `<data>/warehouse.duckdb`"),
    "GOSPUBLIC_DUCKDB_MEMORY_LIMIT": ("1GB", "DuckDB's memory limit (e.g. 512MB, 2GB, 1.5GiB); it spills beyond it"),
    "GOSPUBLIC_DUCKDB_THREADS": ("2", "DuckDB's worker threads (a positive whole number)"),
    "GOSPUBLIC_SCHEDULED_SOURCE": ("live", "source of scheduled and backfill runs: `live` or `demo`"),
    "GOSPUBLIC_REGISTRY_ROOT": ("", "registry root of scheduled live runs: a run of period P reads `<root>/<P>/`"),
    "GOSPUBLIC_DEMO_DEPLOYMENT": ("false", "`true`: a demo deployment, whose scheduled runs may rate demo data"),
    "GOSPUBLIC_ALERT_EMAILS": ("", "comma-separated recipients of alerts (none: no mail is sent)"),
    "GOSPUBLIC_ALERT_ON_SUCCESS": ("false", "`true`: also mail a summary (top 10, report location) on success"),
    "GOSPUBLIC_AUDIT_WAREHOUSE_URL": ("", "`postgresql://…` of the auditors' warehouse that the export DAG fills"),
}

_SIZE_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?) ?(B|[KMGT]i?B|[KMGT]|%)$", re.IGNORECASE | re.ASCII)
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


# The task whose Variables _task_variables holds (its channel to its supervisor), and them.
_task: object | None = None
_task_variables: dict[str, str | None] = {}


def _airflow_task() -> object | None:
    """Inside an Airflow task or callback, its channel to its supervisor (which answers Variable
    lookups): a new one for every task, also when ``airflow dags test`` runs them all in one
    process. None outside Airflow."""
    runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return getattr(runner, "SUPERVISOR_COMMS", None)


def _variable(name: str) -> str | None:
    """The Airflow Variable overriding ``name``: asked of Airflow once per task inside a task,
    else its AIRFLOW_VAR_ form in the environment."""
    global _task, _task_variables
    key = name.lower()
    task = _airflow_task()
    if task is None:
        value = os.environ.get(f"AIRFLOW_VAR_{key.upper()}")
        return None if value is None else str(value)
    if task is not _task:  # a new task: forget the last one's answers
        _task, _task_variables = task, {}
    if key not in _task_variables:
        from airflow.sdk import Variable

        value = Variable.get(key, default=None)
        _task_variables[key] = None if value is None else str(value)
    return _task_variables[key]


def raw(name: str) -> str:
    """The setting's text: the Airflow Variable, else the environment variable, else '' (no default)."""
    if name not in VARIABLES:
        raise KeyError(name)
    value = _variable(name)
    if value is None or not value.strip():
        value = os.environ.get(name, "")
    return value.strip()


def _get(name: str) -> str:
    return raw(name) or VARIABLES[name][0]


def _flag(name: str) -> bool:
    value = _get(name).lower()
    if value not in _TRUE + _FALSE:
        raise SettingsError(f"{name}={value!r} is not true or false")
    return value in _TRUE


def data_dir() -> Path:
    """Root of the lake and the warehouse: GOSPUBLIC_DATA_DIR, by default <project>/data."""
    value = raw("GOSPUBLIC_DATA_DIR")
    return Path(value) if value else PROJECT_ROOT / "data"


def warehouse_url() -> str | None:
    """GOSPUBLIC_WAREHOUSE_URL, or None for the DuckDB file in the data folder."""
    return raw("GOSPUBLIC_WAREHOUSE_URL") or None


def audit_warehouse_url() -> str:
    value = raw("GOSPUBLIC_AUDIT_WAREHOUSE_URL")
    if not value.startswith(("postgresql://", "postgres://")):
        raise SettingsError(
            f"GOSPUBLIC_AUDIT_WAREHOUSE_URL={value!r} is not a PostgreSQL URL (postgresql://user@host:port/db)"
        )
    return value


def duckdb_memory_limit() -> str:
    value = _get("GOSPUBLIC_DUCKDB_MEMORY_LIMIT")
    match = _SIZE_RE.match(value)
    if not match or float(match.group(1)) <= 0 or (match.group(2) == "%" and float(match.group(1)) > 100):
        raise SettingsError(
            f"GOSPUBLIC_DUCKDB_MEMORY_LIMIT={value!r} is not a memory size: "
            f"write a positive number with a unit, e.g. 1GB, 512MB, 1.5GiB or 50%"
        )
    return value


def duckdb_threads() -> int:
    value = _get("GOSPUBLIC_DUCKDB_THREADS")
    if not re.fullmatch(r"[0-9]+", value, re.ASCII) or int(value) < 1:
        raise SettingsError(f"GOSPUBLIC_DUCKDB_THREADS={value!r} is not a positive whole number (e.g. 2)")
    return int(value)


def demo_deployment() -> bool:
    return _flag("GOSPUBLIC_DEMO_DEPLOYMENT")


def alert_emails() -> list[str]:
    emails = [part.strip() for part in raw("GOSPUBLIC_ALERT_EMAILS").split(",") if part.strip()]
    for email in emails:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
            raise SettingsError(f"GOSPUBLIC_ALERT_EMAILS: {email!r} is not an e-mail address")
    return emails


def alert_on_success() -> bool:
    return _flag("GOSPUBLIC_ALERT_ON_SUCCESS")


def scheduled_inputs(period: str) -> dict[str, str | None]:
    """Source and registry folder of a scheduled (or backfill) run of ``period``, from the deployment.

    Demo data is refused unless the deployment declares itself a demo deployment; a live run
    needs the period's registry folder ``<GOSPUBLIC_REGISTRY_ROOT>/<period>/`` to exist.
    """
    source = _get("GOSPUBLIC_SCHEDULED_SOURCE").lower()
    if source not in SCHEDULED_SOURCES:
        raise SettingsError(f"GOSPUBLIC_SCHEDULED_SOURCE={source!r}: scheduled runs take 'live' or 'demo'")
    if source == "demo":
        if not demo_deployment():
            raise SettingsError(
                "refused: a scheduled run would rate demo data, but this deployment is not a demo deployment; "
                "set GOSPUBLIC_SCHEDULED_SOURCE=live and GOSPUBLIC_REGISTRY_ROOT, "
                "or GOSPUBLIC_DEMO_DEPLOYMENT=true for a demo deployment"
            )
        return {"source": "demo", "registry_dir": None}
    root = raw("GOSPUBLIC_REGISTRY_ROOT")
    if not root:
        raise SettingsError("GOSPUBLIC_REGISTRY_ROOT is not set: scheduled live runs read <root>/<YYYY-MM>/")
    folder = Path(root) / period
    if not folder.is_dir():
        raise SettingsError(
            f"registry folder of period {period} not found: {folder} (GOSPUBLIC_REGISTRY_ROOT/{period})"
        )
    return {"source": "live", "registry_dir": str(folder)}


def check() -> None:
    """Raise SettingsError on the first variable with a bad value."""
    duckdb_memory_limit()
    duckdb_threads()
    demo_deployment()
    alert_on_success()
    alert_emails()
    folder = data_dir()
    if folder.exists() and not folder.is_dir():
        raise SettingsError(f"GOSPUBLIC_DATA_DIR={str(folder)!r} is a file, not a folder")
