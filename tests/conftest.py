"""Shared fixtures. Each test gets its own data folder (lake and warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)

# Benchmarks measure the machine and assert nothing: `make bench` runs them, pytest never collects them.
collect_ignore = ["benchmarks"]


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Point the lake and the warehouse at a fresh folder for every test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("GOSPUBLIC_DATA_DIR", str(folder))
    return folder


def _run_month(
    run_id: str,
    *,
    period: str = "2026-10",
    scale: int = 400,
    seed: int = 5,
    tamper=None,
    publish=True,
    methodology: str | None = None,
):
    """Run the DAG's steps in the DAG's order, without Airflow (``methodology``: None, the newest).

    ``tamper`` maps a stage name to a function of the RunSpec, called just before that
    stage is validated: a way to inject bad data where it would arrive.
    """
    from gospublic_rating import pipeline
    from gospublic_rating.pipeline import RunSpec

    spec = RunSpec.resolve(
        period=period,
        run_after=NOW,
        dag_run_id=run_id,
        source="demo",
        scale=scale,
        seed=seed,
        methodology=methodology,
    )
    return pipeline.run_all(spec, before_validate=tamper, publish=publish)


@pytest.fixture
def run_month():
    return _run_month
