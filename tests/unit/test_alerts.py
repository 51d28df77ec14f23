"""Alerts: a real SMTP server (aiosmtpd) on loopback receives what the notifier sends."""

from __future__ import annotations

import email
import html
import json
import re
import socket
from datetime import UTC, datetime
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from gospublic_rating import alerts, pipeline, validation
from gospublic_rating.pipeline import PublicationRefused

RUN_AFTER = datetime(2026, 11, 2, 3, tzinfo=UTC)  # a scheduled run on the 2nd: rates October


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": controller.port,
        "extra": {"from_email": "gospublic@example.org", "disable_tls": True, "disable_ssl": True, "timeout": 10},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    monkeypatch.setenv("GOSPUBLIC_ALERT_EMAILS", "team@example.org,lead@example.org")
    try:
        yield handler
    finally:
        controller.stop()


def _context(run_id: str, task_id: str, period: str | None = "2026-10", **extra):
    ti = SimpleNamespace(task_id=task_id, map_index=-1, run_id=run_id)
    dag_run = SimpleNamespace(run_id=run_id, run_after=RUN_AFTER)
    return {"run_id": run_id, "ti": ti, "dag_run": dag_run, "params": {"period": period}, **extra}


def _text(message) -> str:
    body = message.get_body(preferencelist=("html", "plain")).get_content()
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_a_failed_run_mails_period_stage_task_and_the_cause(inbox):
    run_id = "scheduled__2026-11-02T03:00:00+00:00"
    failure = validation.ValidationFailed("stage staging: suite stg_posts failed: 3 posts outside the period")
    alerts.record_failure(_context(run_id, "validate_staging", exception=failure))
    # the DAG-level callback: params give no period, the run's date does (October)
    alerts.RunNotifier("failure")(_context(run_id, "validate_staging", period=None, reason="task_failure"))

    [(recipients, message)] = inbox.messages
    assert recipients == ["team@example.org", "lead@example.org"]
    assert "period 2026-10" in message["Subject"] and "stage validate staging" in message["Subject"]
    text = _text(message)
    assert "failing task: validate_staging" in text
    cause = [line for line in text.splitlines() if line.startswith("cause: ")]
    assert cause == ["cause: ValidationFailed: stage staging: suite stg_posts failed: 3 posts outside the period"]
    assert "published: no: the run stopped before publication" in text


def test_a_refused_publication_is_mailed_with_its_reason(inbox, run_month):
    spec = run_month("manual__refused", scale=200, publish=False)
    (spec.lake.layer("evidence") / "validation" / "marts.json").unlink()  # marts never passed
    with pytest.raises(PublicationRefused) as refused:
        pipeline.publish_snapshot(spec)
    alerts.record_failure(_context(spec.dag_run_id, "publish", exception=refused.value))
    alerts.RunNotifier("failure")(_context(spec.dag_run_id, "publish"))

    [(_, message)] = inbox.messages
    assert "stage publish" in message["Subject"] and "2026-10" in message["Subject"]
    text = _text(message)
    assert "cause: PublicationRefused: not published: validation stage(s) marts did not pass" in text
    assert "published: no: validation stage(s) marts did not pass" in text


def test_no_recipients_no_mail(inbox, monkeypatch):
    monkeypatch.delenv("GOSPUBLIC_ALERT_EMAILS")
    alerts.RunNotifier("failure")(_context("manual__x", "publish"))
    assert inbox.messages == []


def test_the_success_summary_is_optional_and_shows_the_top_10(inbox, monkeypatch, run_month):
    spec = run_month("manual__ok", scale=200)
    alerts.RunNotifier("success")(_context(spec.dag_run_id, "report"))
    assert inbox.messages == [], "no summary unless GOSPUBLIC_ALERT_ON_SUCCESS is true"

    monkeypatch.setenv("GOSPUBLIC_ALERT_ON_SUCCESS", "true")
    alerts.RunNotifier("success")(_context(spec.dag_run_id, "report"))
    [(_, message)] = inbox.messages
    record = json.loads((spec.lake.layer("evidence") / "publication.json").read_text())
    assert record["snapshot_id"] in message["Subject"] and "2026-10" in message["Subject"]
    text = _text(message)
    assert f"published: yes: snapshot {record['snapshot_id']}" in text
    assert str(spec.lake.layer("evidence")) in text
    # table rows: place (with '=' when shared), region code; not the footer "11 regions at places 1-10"
    places = [int(m.group(1)) for m in re.finditer(r"^\s+(\d+)=?\s+\d\d\s", text, re.MULTILINE)]
    assert places and max(places) <= 10 and 1 in places


def test_the_monthly_dag_wires_the_notifiers():
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag

    dags = Path(__file__).resolve().parents[2] / "dags"
    dag = DagBag(dag_folder=str(dags / "gospublic_rating.py")).dags["gospublic_rating"]
    failure, success = dag.on_failure_callback, dag.on_success_callback
    failure = failure[0] if isinstance(failure, list) else failure
    success = success[0] if isinstance(success, list) else success
    assert isinstance(failure, alerts.RunNotifier) and failure.kind == "failure"
    assert isinstance(success, alerts.RunNotifier) and success.kind == "success"
    for task in dag.tasks:
        callbacks = (
            task.on_failure_callback if isinstance(task.on_failure_callback, list) else [task.on_failure_callback]
        )
        assert alerts.record_failure in callbacks, f"{task.task_id} does not record its cause"


def test_nothing_is_rendered_as_a_template_and_a_serialized_dag_is_fine(inbox):
    """`airflow dags test` gives DAG callbacks a SerializedDAG (no template environment)."""
    run_id = "manual__braces"
    alerts.record_failure(_context(run_id, "extract_registry", exception=ValueError("row 3: '{{ 7*7 }}' is no code")))
    alerts.RunNotifier("failure")(_context(run_id, "extract_registry", dag=object()))
    [(_, message)] = inbox.messages
    assert "cause: ValueError: row 3: '{{ 7*7 }}' is no code" in _text(message)
