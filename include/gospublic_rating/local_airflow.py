"""The local Airflow of `make run` and `make test`: its metadata database, pools and stale runs.

Everything here reads PostgreSQL directly (psycopg2, fast) and calls the `airflow` command
only when there is something to do: `make run` pays for a migration only when the database
is behind, and for pools, connections and variables only when one is missing. Pools,
connections and variables come from the deployment's file, ``deploy/airflow_settings.json``
(:func:`import_settings`; a deployment runs ``gospublic airflow-import`` on the same file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
from psycopg2 import sql

from .lake import PROJECT_ROOT, data_dir, run_key

DAG_ID = "gospublic_rating"
# Pools (one per API account: batches of a platform call its API one at a time), connections
# with dummy values and the settings' variables: what a deployment creates in Airflow.
SETTINGS_FILE = PROJECT_ROOT / "deploy" / "airflow_settings.json"
# section of the file: (`airflow` command importing it, its table and key column)
SECTIONS = {
    "pools": (("pools", "import"), "slot_pool", "pool"),
    "connections": (("connections", "import"), "connection", "conn_id"),
    "variables": (("variables", "import", "--action-on-existing-key", "skip"), "variable", "key"),
}
UNFINISHED_TASK_STATES = (
    "running",
    "queued",
    "scheduled",
    "up_for_retry",
    "up_for_reschedule",
    "deferred",
    "restarting",
)


class AirflowSetupError(RuntimeError):
    pass


def _pg_params() -> dict:
    pairs = (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"))
    return {key: os.environ[var] for key, var in pairs if var in os.environ}


def connect(dbname: str):
    try:
        return psycopg2.connect(dbname=dbname, **_pg_params())
    except psycopg2.OperationalError as error:
        raise AirflowSetupError(
            f"cannot reach PostgreSQL for Airflow's metadata database {dbname!r} (is the server running?): "
            f"{' '.join(str(error).split())}"
        ) from None


def ensure_database(name: str) -> bool:
    """Create the PostgreSQL database ``name`` unless it exists; True if it was created."""
    connection = connect("postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", (name,))
            if cursor.fetchone() is not None:
                return False
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def _airflow(*args: str, log: Path) -> None:
    airflow = Path(sys.executable).with_name("airflow")
    with log.open("a", encoding="utf-8") as out:
        code = subprocess.run([str(airflow), *args], stdout=out, stderr=subprocess.STDOUT).returncode
    if code != 0:
        raise AirflowSetupError(f"`airflow {' '.join(args)}` failed (exit code {code}); see {log}")


def migrations_behind(log: Path) -> bool:
    """True unless the database is at Airflow's current migration (`airflow db check-migrations`)."""
    airflow = Path(sys.executable).with_name("airflow")
    with log.open("a", encoding="utf-8") as out:
        return (
            subprocess.run([str(airflow), "db", "check-migrations", "-t", "0"], stdout=out, stderr=out).returncode != 0
        )


def load_settings(path: Path = SETTINGS_FILE) -> dict[str, dict]:
    """The sections (pools, connections, variables) of the deployment's settings file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AirflowSetupError(f"{path}: cannot read the deployment's Airflow settings ({error})") from None
    missing = [section for section in SECTIONS if not isinstance(data.get(section), dict)]
    if missing:
        raise AirflowSetupError(f"{path}: no section {', '.join(missing)}")
    return {section: data[section] for section in SECTIONS}


def missing_entries(dbname: str, wanted: dict[str, dict]) -> dict[str, dict]:
    """The entries of each section that the metadata database does not have yet."""
    connection = connect(dbname)
    missing = {}
    try:
        with connection.cursor() as cursor:
            for section, (_, table, column) in SECTIONS.items():
                query = sql.SQL("select {column} from {table} where {column} = any(%s)").format(
                    column=sql.Identifier(column), table=sql.Identifier(table)
                )
                cursor.execute(query, (list(wanted[section]),))
                present = {name for (name,) in cursor.fetchall()}
                missing[section] = {k: v for k, v in wanted[section].items() if k not in present}
    finally:
        connection.close()
    return missing


def import_settings(sections: dict[str, dict], log: Path) -> list[str]:
    """`airflow pools|connections|variables import` of the non-empty sections; what was imported."""
    done = []
    for section, entries in sections.items():
        if not entries:
            continue
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{section}.json"
            path.write_text(json.dumps(entries), encoding="utf-8")
            _airflow(*SECTIONS[section][0], str(path), log=log)
        done.append(f"imported {section} {', '.join(sorted(entries))}")
    return done


def prepare(dbname: str, log: Path) -> list[str]:
    """Database, migrations, pools, connections and variables, each only when needed; what was done."""
    done = []
    if ensure_database(dbname):
        done.append(f"created PostgreSQL database {dbname}")
    if migrations_behind(log):
        _airflow("db", "migrate", log=log)
        done.append("migrated Airflow's metadata database")
    done += import_settings(missing_entries(dbname, load_settings()), log)
    return done


# -- runs of `make run` -------------------------------------------------------------------


def active_dir() -> Path:
    """Where run-dag records which process runs which DAG run (``<run key>.pid``)."""
    return data_dir() / "logs" / "active"


def record_active(dag_run_id: str, pid: int) -> Path:
    folder = active_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_key(dag_run_id)}.pid"
    path.write_text(f"{pid}\n", encoding="utf-8")
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recorded_pid(dag_run_id: str) -> int | None:
    path = active_dir() / f"{run_key(dag_run_id)}.pid"
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def stale_runs(running: list[str], alive=_alive) -> list[str]:
    """The runs among ``running`` whose `make run` process is gone (or was never recorded)."""
    stale = []
    for dag_run_id in running:
        pid = _recorded_pid(dag_run_id)
        if pid is None or not alive(pid):
            stale.append(dag_run_id)
    return stale


def fail_stale_runs(dbname: str, alive=_alive) -> list[str]:
    """Mark failed the runs of the DAG left `running` by a killed `make run`; return their ids.

    A run whose `make run` is still alive (another terminal) is left alone.
    """
    connection = connect(dbname)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "select run_id from dag_run where dag_id = %s and state in ('running', 'queued') order by run_id",
                (DAG_ID,),
            )
            stale = stale_runs([run_id for (run_id,) in cursor.fetchall()], alive)
            if stale:
                cursor.execute(
                    "update task_instance set state = 'failed', end_date = now() "
                    "where dag_id = %s and run_id = any(%s) and state = any(%s)",
                    (DAG_ID, stale, list(UNFINISHED_TASK_STATES)),
                )
                cursor.execute(
                    "update dag_run set state = 'failed', end_date = now() "
                    "where dag_id = %s and run_id = any(%s) and state in ('running', 'queued')",
                    (DAG_ID, stale),
                )
    finally:
        connection.close()
    for dag_run_id in stale:
        (active_dir() / f"{run_key(dag_run_id)}.pid").unlink(missing_ok=True)
    return stale


def task_times(dag_run_id: str) -> list[tuple[str, str, int, float | None]]:
    """Each task of a DAG run, in the order they started: its state(s), how many instances it ran
    (mapped tasks run several) and the seconds from its first start to its last end.

    Read from the metadata database that Airflow's own setting names
    (``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``, which `make` exports).
    """
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    params = {"host": url.host, "port": url.port, "user": url.username, "password": url.password}
    connection = psycopg2.connect(dbname=url.database, **{k: v for k, v in params.items() if v is not None})
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "select task_id, string_agg(distinct coalesce(state, 'none'), ',' order by coalesce(state, 'none')), "
                "count(*), extract(epoch from max(end_date) - min(start_date)) from task_instance "
                "where dag_id = %s and run_id = %s group by task_id order by min(start_date) nulls last, task_id",
                (DAG_ID, dag_run_id),
            )
            return [(task, states, n, None if s is None else float(s)) for task, states, n, s in cursor.fetchall()]
    finally:
        connection.close()
