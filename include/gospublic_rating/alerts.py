"""Alerts by mail through Airflow's notifier framework (the SMTP provider's SmtpNotifier).

- :func:`record_failure` is every task's ``on_failure_callback``: it runs in the task's own
  process, where the exception is known, and keeps the task and the cause in one line in
  ``<data>/logs/failures/<run key>.json`` (the DAG-level callback never sees the exception).
- :class:`RunNotifier` is the DAG's ``on_failure_callback`` (and ``on_success_callback``):
  subject with period and stage; body with the failing task, the cause and whether anything
  was published (the run's ``evidence/publication.json``). A refused publication fails the
  ``publish`` task, so it is reported the same way. Recipients come from the settings
  (``GOSPUBLIC_ALERT_EMAILS``), read when the callback runs; none: nothing is sent.

Light at import: the DAG file imports this module when the scheduler parses it.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

from airflow.providers.smtp.notifications.smtp import SmtpNotifier

log = logging.getLogger(__name__)
DAG_ID = "gospublic_rating"
CAUSE_WIDTH = 400


def cause_line(error: BaseException | None) -> str:
    """The project's exception message in one line: ``ValidationFailed: suite … failed``."""
    if error is None:
        return "unknown (the task recorded no exception; see its log)"
    text = " ".join(str(error).split()) or "(no message)"
    line = f"{type(error).__name__}: {text}"
    return line if len(line) <= CAUSE_WIDTH else line[: CAUSE_WIDTH - 1] + "…"


def _failure_file(run_id: str) -> Path:
    from .lake import data_dir, run_key

    return data_dir() / "logs" / "failures" / f"{run_key(run_id)}.json"


def record_failure(context) -> None:
    """Task ``on_failure_callback``: keep the failing task and its cause for the run's alert."""
    ti = context.get("ti") or context.get("task_instance")
    run_id = context.get("run_id") or getattr(ti, "run_id", "")
    record = {
        "task_id": getattr(ti, "task_id", "unknown"),
        "map_index": getattr(ti, "map_index", -1),
        "cause": cause_line(context.get("exception")),
    }
    path = _failure_file(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def stage_of(task_id: str) -> str:
    """The pipeline stage of a task: resolve, extract, build <layer>, validate <stage>, publish, report."""
    if task_id.startswith(("extract_", "plan_", "finish_")):
        return "extract"
    for prefix in ("validate_", "build_"):
        if task_id.startswith(prefix):
            return f"{prefix[:-1]} {task_id[len(prefix) :]}"
    return {"resolve_run": "resolve"}.get(task_id, task_id)


def run_period(context) -> str | None:
    """The period the run rates, as resolve_run derives it (the param, else the month before the run)."""
    from .period import Period, PeriodError

    params = context.get("params") or {}
    dag_run = context.get("dag_run")
    try:
        if params.get("period"):
            return str(Period.parse(params["period"]))
        if dag_run is not None and getattr(dag_run, "run_after", None):
            return str(Period.last_complete_before(dag_run.run_after))
    except (PeriodError, ValueError):
        return None
    return None


def publication(period: str | None, run_id: str) -> dict | None:
    """The run's publication record (evidence/publication.json), if it got that far."""
    from .lake import RunLake

    if not period:
        return None
    path = RunLake.for_run(period, run_id).layer("evidence") / "publication.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def published_line(record: dict | None) -> str:
    if record is None:
        return "no: the run stopped before publication"
    if not record.get("published"):
        return f"no: {record.get('reason') or 'publication refused'}"
    if record.get("reason"):
        return f"nothing new: {record['reason']} (snapshot {record.get('snapshot_id')})"
    return f"yes: snapshot {record.get('snapshot_id')} (version {record.get('version')})"


def failure_message(context) -> tuple[str, str]:
    """Subject and plain-text body of the alert for a failed DAG run."""
    run_id = str(context.get("run_id") or getattr(context.get("dag_run"), "run_id", ""))
    ti = context.get("ti") or context.get("task_instance")
    try:
        recorded = json.loads(_failure_file(run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    task_id = recorded.get("task_id") or getattr(ti, "task_id", None) or "unknown"
    map_index = recorded.get("map_index", getattr(ti, "map_index", -1))
    period = run_period(context)
    stage = stage_of(task_id)
    subject = f"[gospublic-rating] FAILED: period {period or 'unknown'}, stage {stage}"
    body = "\n".join(
        [
            f"The DAG run {run_id} of {DAG_ID} failed.",
            f"period: {period or 'unknown'}",
            f"stage: {stage}",
            f"failing task: {task_id}" + (f" [{map_index}]" if map_index not in (-1, None) else ""),
            f"cause: {recorded.get('cause') or 'unknown (no cause recorded; see the task log)'}",
            f"published: {published_line(publication(period, run_id))}",
            f"reason given by Airflow: {context.get('reason') or 'task_failure'}",
        ]
    )
    return subject, body


def success_message(context) -> tuple[str, str]:
    """Subject and body of the optional summary of a successful run: top 10 and where the report is."""
    from . import warehouse
    from .reporting.data import SnapshotNotFound
    from .reporting.text import top

    run_id = str(context.get("run_id") or "")
    period = run_period(context)
    record = publication(period, run_id) or {}
    snapshot_id = record.get("snapshot_id")
    where = warehouse.location()
    try:
        table = top(Path(where), snapshot_id) if snapshot_id and "://" not in where else "(top 10: see the warehouse)"
    except SnapshotNotFound as error:
        table = str(error)
    subject = f"[gospublic-rating] published: period {period}, snapshot {snapshot_id}"
    body = "\n".join(
        [
            f"The DAG run {run_id} of {DAG_ID} succeeded.",
            f"published: {published_line(record or None)}",
            f"warehouse: {warehouse.shown(where)}",
            f"report and evidence: {publication_folder(period, run_id)}",
            "",
            table,
        ]
    )
    return subject, body


def publication_folder(period: str | None, run_id: str) -> str:
    from .lake import RunLake

    return str(RunLake.for_run(period, run_id).layer("evidence")) if period else "unknown"


class RunNotifier(SmtpNotifier):
    """The run's alert by mail: ``RunNotifier("failure")`` or ``RunNotifier("success")`` (optional summary).

    Recipients and the success switch are read from the settings when the callback runs.
    """

    def __init__(self, kind: str = "failure", **kwargs) -> None:
        if kind not in ("failure", "success"):
            raise ValueError(f"kind must be 'failure' or 'success', not {kind!r}")
        super().__init__(to=[], **kwargs)
        self.kind = kind

    def notify(self, context) -> None:
        from . import settings

        recipients = settings.alert_emails()
        if not recipients or (self.kind == "success" and not settings.alert_on_success()):
            log.info("no %s alert sent: GOSPUBLIC_ALERT_EMAILS or GOSPUBLIC_ALERT_ON_SUCCESS not set", self.kind)
            return
        subject, body = failure_message(context) if self.kind == "failure" else success_message(context)
        log.info("sending the %s alert to %s: %s", self.kind, ", ".join(recipients), subject)
        with self.hook as smtp:
            smtp.send_email_smtp(
                smtp_conn_id=self.smtp_conn_id,
                from_email=self.from_email or smtp.from_email,
                to=recipients,
                subject=subject,
                html_content=f"<pre>{html.escape(body)}</pre>",
                mime_charset="utf-8",
            )

    def render_template_fields(self, context, jinja_env=None) -> None:
        """Nothing to render: the message is built from the run, and a cause may contain "{{".

        (Rendering would also fail under `airflow dags test`, whose DAG callbacks get a
        SerializedDAG without a template environment.)
        """
