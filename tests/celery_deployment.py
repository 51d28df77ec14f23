"""A real Airflow deployment with the CeleryExecutor, for tests: the setup of docs/deployment.md.

A fresh metadata database on the local PostgreSQL and a dedicated Redis database index; a
temporary AIRFLOW_HOME; the api-server, scheduler, dag-processor and two Celery workers,
each its own process in its own process group. :meth:`CeleryDeployment.stop` ends every
process group, drops the database and flushes the Redis index, also after a failure, and
reports any process still alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
GOSPUBLIC = str(Path(sys.executable).with_name("gospublic"))
PG_SERVER = os.environ.get("GOSPUBLIC_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 13  # dedicated to this test
EXECUTOR = "airflow.providers.celery.executors.celery_executor.CeleryExecutor"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_command(*args: str) -> bytes:
    """One RESP command to the local Redis (no client library needed)."""
    payload = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
    with socket.create_connection(REDIS, timeout=5) as conn:
        conn.sendall(payload.encode())
        return conn.recv(4096)


class CeleryDeployment:
    def __init__(self, base: Path, extra_env: dict[str, str]) -> None:
        self.base = base
        self.home = base / "airflow_home"
        self.data = base / "data"
        self.logs = base / "process_logs"
        self.db = f"gospublic_airflow_dist_{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.created = time.monotonic()
        self._token = None
        for folder in (self.home, self.data, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "GOSPUBLIC_"))}
        pg = PG_SERVER.removeprefix("postgresql://")
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{pg}/{self.db}",
                "AIRFLOW__CORE__EXECUTOR": EXECUTOR,
                "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{pg}/{self.db}",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
                # a killed worker's task is noticed after 20 s instead of 5 minutes
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "3",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "GOSPUBLIC_DATA_DIR": str(self.data),
                "GOSPUBLIC_DUCKDB_THREADS": "1",
                "NO_COLOR": "1",
                **extra_env,
            }
        )
        self.env = env

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        redis_command("SELECT", str(REDIS_DB))  # reachable?
        self._flush_redis()
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'create database "{self.db}"')
        self.run_cli([AIRFLOW, "db", "migrate"], timeout=240)
        self.run_cli([GOSPUBLIC, "airflow-import", str(ROOT / "deploy" / "airflow_settings.json")], timeout=240)
        from gospublic_rating.cli.deploy import admin_password

        self.password = admin_password(self.home)
        self.spawn("api-server", [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(self.port)])
        self.spawn("scheduler", [AIRFLOW, "scheduler"])
        self.spawn("dag-processor", [AIRFLOW, "dag-processor"])
        for name in ("worker1", "worker2"):
            self.spawn(
                name,
                [
                    AIRFLOW,
                    "celery",
                    "worker",
                    "--concurrency",
                    "2",
                    "--celery-hostname",
                    f"{name}@%h",
                    "--skip-serve-logs",
                    "--pid",
                    str(self.home / f"{name}.pid"),
                ],
            )

    def spawn(self, name: str, command: list[str]) -> None:
        out = (self.logs / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.base
        )

    def run_cli(self, command: list[str], timeout: float) -> str:
        result = subprocess.run(
            command,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.base,
            start_new_session=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:4])} failed: {(result.stdout + result.stderr)[-3000:]}")
        return result.stdout

    def stop(self) -> list[str]:
        """End every process group, drop the database, flush Redis; the problems left (must be none)."""
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        # anything else started with our AIRFLOW_HOME (a task process that left the group)
        for pid in self.own_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        problems = [f"process {pid} still alive" for pid in self.own_processes()]
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{self.db}" with (force)')
            if admin.execute("select count(*) from pg_database where datname = %s", [self.db]).fetchone()[0]:
                problems.append(f"database {self.db} still there")
        with contextlib.suppress(OSError):
            self._flush_redis()
        return problems

    def _flush_redis(self) -> None:
        payload = f"*2\r\n$6\r\nSELECT\r\n${len(str(REDIS_DB))}\r\n{REDIS_DB}\r\n*1\r\n$7\r\nFLUSHDB\r\n"
        with socket.create_connection(REDIS, timeout=5) as conn:
            conn.sendall(payload.encode())
            conn.recv(4096)

    def own_processes(self) -> list[int]:
        marker = f"AIRFLOW_HOME={self.home}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
        return found

    def tail(self, lines: int = 30) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- REST API v2 (simple auth manager: a JWT token from /auth/token) -----------------------

    def token(self) -> str:
        if self._token is None:
            response = requests.post(
                f"{self.api}/auth/token", json={"username": "admin", "password": self.password}, timeout=30
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        return requests.request(method, f"{self.api}/api/v2{path}", headers=headers, timeout=30, **kwargs)

    def wait_until_up(self, deadline: float) -> None:
        while True:
            self.check_alive()
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.api}/api/v2/monitor/health", timeout=5).status_code == 200:
                    return
            wait_or_fail(deadline, "the API server did not answer")

    def check_alive(self, except_: tuple[str, ...] = ()) -> None:
        for name, proc in self.processes.items():
            if name not in except_ and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail()}")

    def trigger(self, dag_id: str, conf: dict) -> str:
        response = self.call("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        assert response.status_code == 200, response.text
        return response.json()["dag_run_id"]

    def runs(self, dag_id: str, **query) -> list[dict]:
        response = self.call("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, **query})
        response.raise_for_status()
        return response.json()["dag_runs"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        response = self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        response.raise_for_status()
        return response.json()["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        response = self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 200})
        response.raise_for_status()
        return response.json()["task_instances"]

    def wait_for_run(self, dag_id: str, run_id: str, deadline: float, killed: tuple[str, ...] = ()) -> str:
        while (state := self.run_state(dag_id, run_id)) not in ("success", "failed"):
            self.check_alive(except_=killed)
            wait_or_fail(deadline, f"run {run_id} still {state}\n{self.tail()}")
        return state

    def worker_of(self, pid: int) -> str | None:
        """The worker whose process tree holds ``pid`` (walking up the parents)."""
        mains = {proc.pid: name for name, proc in self.processes.items() if name.startswith("worker")}
        while pid > 1:
            if pid in mains:
                return mains[pid]
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                return None
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        return None

    def kill(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=30)


def wait_or_fail(deadline: float, message: str, pause: float = 1.0) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError(message)
    time.sleep(pause)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
