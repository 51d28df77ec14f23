"""Deployment settings: scheduled runs take their inputs from the deployment, not from the params."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gospublic_rating import settings
from gospublic_rating.errors import SettingsError
from gospublic_rating.pipeline import RunSpec

# The 2nd of November 2026, 06:00 Moscow: the scheduled run rates October.
SCHEDULED_AT = datetime(2026, 11, 2, 3, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch):
    for name in settings.VARIABLES:
        if name != "GOSPUBLIC_DATA_DIR":
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"AIRFLOW_VAR_{name}", raising=False)


def resolve(run_type: str, **params) -> RunSpec:
    return RunSpec.resolve(
        period=params.pop("period", None),
        run_after=SCHEDULED_AT,
        dag_run_id=f"{run_type}__x",
        run_type=run_type,
        **params,
    )


def test_a_scheduled_run_of_demo_data_is_refused_outside_a_demo_deployment(monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_SCHEDULED_SOURCE", "demo")
    with pytest.raises(SettingsError, match="not a demo deployment"):
        resolve("scheduled", source="demo")
    with pytest.raises(SettingsError, match="not a demo deployment"):
        resolve("backfill", source="demo")


def test_a_demo_deployment_rates_demo_data_on_schedule(monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_SCHEDULED_SOURCE", "demo")
    monkeypatch.setenv("GOSPUBLIC_DEMO_DEPLOYMENT", "true")
    spec = resolve("scheduled", source="demo", scale=100)
    assert (spec.source, spec.period, spec.registry_dir) == ("demo", "2026-10", None)


def test_a_manual_run_still_takes_the_params(monkeypatch):
    spec = resolve("manual", source="demo", scale=100)
    assert spec.source == "demo"


def test_a_backfill_whose_conf_names_the_source_takes_it():
    # `airflow backfill create --dag-run-conf '{"source": "demo", ...}'`: the operator chose
    spec = resolve("backfill", source="demo", scale=100, conf={"source": "demo", "scale": 100})
    assert spec.source == "demo"
    with pytest.raises(SettingsError, match="GOSPUBLIC_REGISTRY_ROOT"):
        resolve("backfill", source="demo", scale=100, conf={"scale": 100})


def test_a_scheduled_run_is_live_by_default_and_needs_the_registry_root():
    with pytest.raises(SettingsError, match="GOSPUBLIC_REGISTRY_ROOT is not set"):
        resolve("scheduled", source="demo")


def test_a_scheduled_live_run_without_the_periods_folder_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_REGISTRY_ROOT", str(tmp_path / "registry"))
    (tmp_path / "registry" / "2026-09").mkdir(parents=True)  # last month's folder does not count
    with pytest.raises(SettingsError) as raised:
        resolve("scheduled", source="demo")
    assert str(tmp_path / "registry" / "2026-10") in str(raised.value)


def test_a_scheduled_live_run_reads_the_periods_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_REGISTRY_ROOT", str(tmp_path / "registry"))
    (tmp_path / "registry" / "2026-10").mkdir(parents=True)
    spec = resolve("scheduled", source="demo", scale=100)
    assert spec.source == "live"
    assert spec.registry_dir == str((tmp_path / "registry" / "2026-10").resolve())


def test_an_airflow_variable_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_DUCKDB_THREADS", "3")
    assert settings.duckdb_threads() == 3
    monkeypatch.setenv("AIRFLOW_VAR_GOSPUBLIC_DUCKDB_THREADS", "5")  # Airflow's own form of a Variable
    assert settings.duckdb_threads() == 5


class FakeAirflow:
    """Airflow as a task sees it: its Variables, every lookup of one, and the task running.

    A task is its channel to its supervisor (``task_runner.SUPERVISOR_COMMS``): ``start_task``
    gives the next task a new one, as ``airflow dags test`` does when it runs every task in one process.
    """

    def __init__(self, monkeypatch):
        from airflow.sdk import Variable
        from airflow.sdk.execution_time import task_runner

        self.variables: dict[str, str] = {}
        self.asked: list[str] = []
        self.monkeypatch = monkeypatch
        self.task_runner = task_runner
        monkeypatch.setattr(Variable, "get", staticmethod(self.get))

    def get(self, key, default=None, deserialize_json=False):
        self.asked.append(key)
        return self.variables.get(key, default)

    def start_task(self):
        self.asked.clear()
        self.monkeypatch.setattr(self.task_runner, "SUPERVISOR_COMMS", object(), raising=False)


@pytest.fixture
def airflow(monkeypatch):
    return FakeAirflow(monkeypatch)


def test_inside_a_task_the_variable_comes_from_airflow(monkeypatch, airflow):
    airflow.variables["gospublic_scheduled_source"] = "demo"
    airflow.start_task()
    monkeypatch.setenv("GOSPUBLIC_SCHEDULED_SOURCE", "live")
    monkeypatch.setenv("GOSPUBLIC_DEMO_DEPLOYMENT", "yes")
    assert settings.scheduled_inputs("2026-10") == {"source": "demo", "registry_dir": None}
    assert "gospublic_scheduled_source" in airflow.asked and "gospublic_demo_deployment" in airflow.asked


def _a_task(tmp_path) -> dict[str, object]:
    """What a run's task reads of the settings: the check at start, a connection per step, the alerts."""
    from gospublic_rating import models

    settings.check()
    inputs = settings.scheduled_inputs("2026-10")
    for _ in range(3):
        with models.connect(tmp_path / "step.duckdb") as con:
            threads = con.execute("select current_setting('threads')").fetchone()[0]
    return {
        "threads": threads,
        "inputs": inputs,
        "warehouse": settings.warehouse_url(),
        "audit": settings.audit_warehouse_url(),
        "alerts": (settings.alert_emails(), settings.alert_on_success()),
    }


def test_a_task_asks_airflow_for_each_variable_once_and_the_next_task_asks_again(tmp_path, monkeypatch, airflow):
    monkeypatch.setenv("GOSPUBLIC_DUCKDB_THREADS", "3")  # the environment, under an empty Variable
    monkeypatch.setenv("GOSPUBLIC_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "registry" / "2026-10").mkdir(parents=True)
    airflow.variables.update(
        gospublic_registry_root=str(tmp_path / "registry"),
        gospublic_duckdb_threads="",
        gospublic_audit_warehouse_url="postgresql://audit@db:5432/audit",
        gospublic_alert_emails="team@example.org",
    )
    every_variable = sorted(name.lower() for name in settings.VARIABLES)

    airflow.start_task()
    first = _a_task(tmp_path)
    assert sorted(airflow.asked) == every_variable  # each once, though connect() alone reads three per call
    assert first["threads"] == 3
    assert first["inputs"] == {"source": "live", "registry_dir": str(tmp_path / "registry" / "2026-10")}
    assert first["alerts"] == (["team@example.org"], False)

    # Between the tasks an operator changes Variables: the next task sees the new values.
    airflow.variables.update(gospublic_duckdb_threads="1", gospublic_alert_emails="ops@example.org")
    assert settings.duckdb_threads() == 3  # still the first task: what it read stays
    airflow.start_task()
    second = _a_task(tmp_path)
    assert sorted(airflow.asked) == every_variable
    assert second["threads"] == 1
    assert second["alerts"] == (["ops@example.org"], False)

    # A bad value set between tasks fails the next task's check in one line naming the variable.
    airflow.variables["gospublic_duckdb_threads"] = "many"
    airflow.start_task()
    with pytest.raises(SettingsError, match="^GOSPUBLIC_DUCKDB_THREADS='many' is not a positive whole number"):
        settings.check()


def test_outside_a_task_every_call_reads_the_environment_again(monkeypatch, airflow):
    for value in ("3", "4"):
        monkeypatch.setenv("GOSPUBLIC_DUCKDB_THREADS", value)
        assert settings.duckdb_threads() == int(value)
    monkeypatch.setenv("AIRFLOW_VAR_GOSPUBLIC_DUCKDB_THREADS", "6")
    assert settings.duckdb_threads() == 6
    assert airflow.asked == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GOSPUBLIC_SCHEDULED_SOURCE", "files"),
        ("GOSPUBLIC_DEMO_DEPLOYMENT", "maybe"),
        ("GOSPUBLIC_ALERT_EMAILS", "team@example.org, not-an-address"),
    ],
)
def test_bad_deployment_settings_name_the_variable(name, value, monkeypatch):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        settings.check() if name != "GOSPUBLIC_SCHEDULED_SOURCE" else settings.scheduled_inputs("2026-10")


def test_alert_recipients_are_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_ALERT_EMAILS", " a@example.org,b@example.org ,")
    assert settings.alert_emails() == ["a@example.org", "b@example.org"]


def test_the_deployment_documents_every_setting_in_one_table():
    text = DOCS.read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(GOSPUBLIC_[A-Z_]+)` \|", text, re.MULTILINE)
    assert sorted(documented) == sorted(settings.VARIABLES)


def test_make_ui_shows_the_password_the_api_server_will_use(tmp_path):
    """The simple auth manager keeps passwords it finds in its file; `make ui` prints the admin's."""
    import json

    from gospublic_rating.cli.deploy import admin_password

    password = admin_password(tmp_path)
    stored = json.loads((tmp_path / "simple_auth_manager_passwords.json.generated").read_text())
    assert stored == {"admin": password} and len(password) >= 12
    assert admin_password(tmp_path) == password  # the same on the next start
