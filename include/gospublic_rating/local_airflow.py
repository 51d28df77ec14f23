"""The local Airflow of `make run` and `make test`: its metadata database, pools and stale runs.

Everything here reads PostgreSQL directly (psycopg2, fast) and calls the `airflow` command
only when there is something to do: `make run` pays for a migration only when the database
is behind, and for pools only when one is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
from psycopg2 import sql

from .lake import data_dir, run_key
from .platforms import pools

DAG_ID = "gospublic_rating"
# One pool per API account (see the DAG): batches of a platform call its API one at a time.
POOLS = {pool: 1 for pool in pools().values()}
POOL_DESCRIPTION = "one API account: batches call it one at a time"
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


def missing_pools(dbname: str) -> list[str]:
    connection = connect(dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select pool from slot_pool where pool = any(%s)", (list(POOLS),))
            present = {name for (name,) in cursor.fetchall()}
    finally:
        connection.close()
    return [name for name in POOLS if name not in present]


def prepare(dbname: str, log: Path) -> list[str]:
    """Database, migrations and pools, each only when needed; returns what was done."""
    done = []
    if ensure_database(dbname):
        done.append(f"created PostgreSQL database {dbname}")
    if migrations_behind(log):
        _airflow("db", "migrate", log=log)
        done.append("migrated Airflow's metadata database")
    for pool in missing_pools(dbname):
        _airflow("pools", "set", pool, str(POOLS[pool]), POOL_DESCRIPTION, log=log)
        done.append(f"created pool {pool}")
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
