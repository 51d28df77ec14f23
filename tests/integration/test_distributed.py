"""Distributed execution: the monthly DAG on a real CeleryExecutor deployment (docs/deployment.md).

One test, bounded to 8 minutes from the creation of its database to the end of its
teardown, on the deployment of :mod:`celery_deployment`:
0. unpausing the DAG creates the scheduled run of the last month; this deployment is not a
   demo deployment and its registry root has no folder for that month, so the run fails at
   once naming the folder, and the failure alert arrives by mail (DAG callback → SMTP);
1. a manual run at demo scale through the REST API succeeds and publishes a snapshot;
2. a second, identical run succeeds although the worker running one of its tasks is killed
   with SIGKILL; it holds the same content (same content hash: nothing new is published);
3. `airflow backfill create` over three months publishes three snapshots (its runs go on
   beside steps 0-2: backfill runs count apart from the DAG's max_active_runs);
4. everything stops; no process, database or Redis key is left behind (also on failure).
Durations are printed (never asserted): run with `-s` to see them.
"""

from __future__ import annotations

import email
import json
import socket
import time
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from celery_deployment import AIRFLOW, CeleryDeployment, dumps, wait_or_fail
from gospublic_rating import warehouse

BUDGET_S = 8 * 60
TEARDOWN_RESERVE_S = 30  # stopping the processes and dropping the database
DAG_ID = "gospublic_rating"
SCALE = 300
DEMO_CONF = {"period": "2026-06", "source": "demo", "scale": SCALE, "seed": 11}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stamp(started: float, text: str) -> None:
    print(f"[distributed +{time.monotonic() - started:6.1f} s] {text}", flush=True)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def deployment(tmp_path, smtp):
    _, port = smtp
    smtp_conn = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"from_email": "gospublic@example.org", "disable_tls": True, "disable_ssl": True},
    }
    (tmp_path / "registry").mkdir()
    deployment = CeleryDeployment(
        tmp_path,
        {
            "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(smtp_conn),
            "GOSPUBLIC_ALERT_EMAILS": "data-team@example.org",
            "GOSPUBLIC_REGISTRY_ROOT": str(tmp_path / "registry"),
        },
    )
    try:
        deployment.start()
        yield deployment
    except BaseException:
        print(deployment.tail(60))
        raise
    finally:
        problems = deployment.stop()
        assert problems == [], problems


def _snapshots(deployment) -> list[dict]:
    with warehouse.open_reader(deployment.data / "warehouse.duckdb") as reader:
        return sorted(reader.read("runs").to_pylist(), key=lambda run: run["seq"])


def _publication(deployment, period: str, run_id: str) -> dict:
    from gospublic_rating.lake import run_key

    path = deployment.data / "lake" / period / run_key(run_id) / "evidence" / "publication.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _backfill_states(deployment) -> list[str]:
    return sorted(run["state"] for run in deployment.runs(DAG_ID, run_type="backfill"))


def test_the_monthly_dag_on_a_celery_deployment(deployment, smtp):
    inbox, _ = smtp
    started = time.monotonic()
    deadline = deployment.created + BUDGET_S - TEARDOWN_RESERVE_S
    timings = {"setup (database, migration, settings file)": started - deployment.created}

    deployment.wait_until_up(deadline)
    while deployment.call("GET", f"/dags/{DAG_ID}").status_code != 200:
        wait_or_fail(deadline, f"DAG not parsed:\n{deployment.tail()}")
    _stamp(started, "deployment up, DAG parsed")
    timings["start (processes up, DAG parsed)"] = time.monotonic() - started

    # Everything is set going at once (the machine has 2 cores): the scheduled run, the manual
    # run queued behind it (max_active_runs=1) and the backfill, whose runs count apart from
    # the others (the warehouse takes one publisher at a time either way). The manual runs rate
    # 2026-06, before the backfilled months: their content cannot depend on the backfill's.
    step0 = time.monotonic()
    assert deployment.call("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False}).status_code == 200
    while not (scheduled := deployment.runs(DAG_ID, run_type="scheduled")):
        wait_or_fail(deadline, "no scheduled run was created")
    step1 = time.monotonic()
    first = deployment.trigger(DAG_ID, DEMO_CONF)
    step3 = time.monotonic()
    deployment.run_cli(
        [
            AIRFLOW,
            "backfill",
            "create",
            "--dag-id",
            DAG_ID,
            "--from-date",
            "2026-08-01",
            "--to-date",
            "2026-10-31",
            "--max-active-runs",
            "1",
            "--dag-run-conf",
            dumps({"source": "demo", "scale": SCALE, "seed": 11}),  # a backfill naming its source takes it
        ],
        timeout=120,
    )

    # 0. the scheduled run of a live deployment without the month's registry folder: refused at once
    run_id = scheduled[0]["dag_run_id"]
    assert deployment.wait_for_run(DAG_ID, run_id, deadline) == "failed"
    failed = [t["task_id"] for t in deployment.task_instances(DAG_ID, run_id) if t["state"] == "failed"]
    assert failed == ["resolve_run"]
    while not inbox.messages:
        wait_or_fail(deadline, "no failure alert was mailed")
    alert = inbox.messages[0]
    text = alert.get_body(preferencelist=("html", "plain")).get_content()
    assert "stage resolve" in alert["Subject"] and "2026-10" in alert["Subject"]
    assert str(deployment.base / "registry" / "2026-10") in text and "SettingsError" in text
    timings["0 scheduled run refused, alert mailed"] = time.monotonic() - step0
    _stamp(started, f"scheduled run {run_id} refused, alert mailed: {alert['Subject']}")

    # 1. a manual run through the REST API
    assert deployment.wait_for_run(DAG_ID, first, deadline) == "success"
    [snapshot] = [run for run in _snapshots(deployment) if run["dag_run_id"] == first]
    assert (snapshot["period"], snapshot["source"], snapshot["is_demo"]) == ("2026-06", "demo", True)
    with warehouse.open_reader(deployment.data / "warehouse.duckdb") as reader:
        ranking = reader.read("ranking", snapshot["snapshot_id"]).to_pylist()
    assert len(ranking) == 89 and len({row["region_code"] for row in ranking}) == 89
    timings["1 manual run (REST API)"] = time.monotonic() - step1
    _stamp(started, f"run {first} published {snapshot['snapshot_id']}")

    # 2. the same run again; SIGKILL the worker running one of its tasks
    step2 = time.monotonic()
    second = deployment.trigger(DAG_ID, DEMO_CONF)
    victim = None
    while victim is None:
        for ti in deployment.task_instances(DAG_ID, second):
            if ti["state"] == "running" and ti["task_id"].startswith(("build_", "validate_")) and ti.get("pid"):
                worker = deployment.worker_of(ti["pid"])
                if worker:
                    victim = (worker, ti["task_id"])
                    break
        if victim is None:
            state = deployment.run_state(DAG_ID, second)
            assert state in ("queued", "running"), f"the run ended ({state}) before a worker was killed"
            wait_or_fail(deadline, "no task of the second run was seen running", pause=0.3)
    deployment.kill(victim[0])
    killed_at = time.monotonic()
    _stamp(started, f"SIGKILL {victim[0]} while it ran {victim[1]}")
    assert deployment.wait_for_run(DAG_ID, second, deadline, killed=(victim[0],)) == "success"
    recovered = time.monotonic() - killed_at
    tries = {t["task_id"]: t["try_number"] for t in deployment.task_instances(DAG_ID, second)}
    assert tries[victim[1]] >= 2, "the killed task ran again"
    june = [run for run in _snapshots(deployment) if run["period"] == "2026-06"]
    assert len(june) == 1, "identical content: nothing new published (no duplicated or missing rows)"
    again = _publication(deployment, "2026-06", second)
    assert again["content_hash"] == snapshot["content_hash"] and again["snapshot_id"] == snapshot["snapshot_id"]
    timings["2 identical run, a worker killed"] = time.monotonic() - step2
    _stamp(started, f"run {second} succeeded {recovered:.1f} s after the worker's death; same content hash")

    # 3. the backfill of three months: three snapshots
    while (states := _backfill_states(deployment)) != ["success"] * 3:
        assert "failed" not in states, f"a backfill run failed:\n{deployment.tail()}"
        deployment.check_alive(except_=(victim[0],))
        wait_or_fail(deadline, f"backfill runs: {states}", pause=2)
    periods = sorted(run["period"] for run in _snapshots(deployment) if run["dag_run_id"].startswith("backfill"))
    assert periods == ["2026-07", "2026-08", "2026-09"]
    timings["3 backfill of three months"] = time.monotonic() - step3
    timings["total (to the end of the last step)"] = time.monotonic() - started
    for name, seconds in timings.items():
        print(f"[distributed] {name}: {seconds:.1f} s")
    print(f"[distributed] from the worker's death to the run's success: {recovered:.1f} s")
