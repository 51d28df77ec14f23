"""The Makefile: its help, quoting of variables, what `clean` may delete, the order of `run`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOSPUBLIC_", "MAKE"))}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_make_without_a_target_prints_the_header_help():
    out = _make().stdout
    lines = out.splitlines()
    assert lines[0].startswith("gospublic-rating: every target sets up what it needs")
    for target in ("make run", "make test", "make bench", "make lint", "make clean", "make clean-data CONFIRM=yes"):
        assert any(line.lstrip().startswith(target) for line in lines), target
    assert not any(":=" in line or line.startswith("SHELL") for line in lines), out


def test_a_quote_in_a_variable_cannot_start_a_second_command(tmp_path):
    """The value is printed as one single-quoted argument by `make -n` and as one argument by bash."""
    value = '2026-10"; touch X; echo "'
    dry = _make("-n", "preflight", f"PERIOD={value}", "SOURCE=demo'; touch Y; '").stdout
    line = next(line for line in dry.splitlines() if "preflight" in line)
    args = subprocess.run(
        ["bash", "-c", 'printf "%s\\n" ' + line.split(" preflight ", 1)[1]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert args[args.index("--period") + 1] == value
    assert args[args.index("--source") + 1] == "demo'; touch Y; '"
    assert list(tmp_path.iterdir()) == []


def _copy_of_makefile(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    # make must not rebuild the venv in the copy: an up-to-date stamp
    (project / "requirements.txt").write_text("")
    (project / "pyproject.toml").write_text("")
    (project / ".venv").mkdir()
    (project / ".venv" / ".installed").write_text("")
    for folder in ("data/lake/2026-10/run", "data/tmp/duckdb", ".airflow", "include/x/__pycache__"):
        (project / folder).mkdir(parents=True)
    (project / "data" / "warehouse.duckdb").write_text("snapshots")
    return project


def test_clean_never_deletes_published_snapshots(tmp_path):
    project = _copy_of_makefile(tmp_path)
    result = _make("clean", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "data" / "warehouse.duckdb").read_text() == "snapshots"
    assert (project / "data" / "lake" / "2026-10" / "run").is_dir()
    assert not (project / ".airflow").exists()
    assert not (project / "data" / "tmp").exists()
    assert not (project / "include" / "x" / "__pycache__").exists()


def test_clean_data_needs_confirmation(tmp_path):
    project = _copy_of_makefile(tmp_path)
    refused = _make("clean-data", cwd=project)
    assert refused.returncode != 0
    assert "CONFIRM=yes" in refused.stderr
    assert (project / "data" / "warehouse.duckdb").exists()
    assert _make("clean-data", "CONFIRM=yes", cwd=project).returncode == 0
    assert not (project / "data").exists()


def test_run_checks_settings_before_it_touches_airflow():
    dry = _make("-n", "run", "PERIOD=2026-10", "AIRFLOW_DB=gospublic_airflow_dry_run").stdout.splitlines()
    steps = [i for i, line in enumerate(dry) if "preflight" in line or "airflow-setup" in line or "run-dag" in line]
    order = [
        ("preflight" if "preflight" in dry[i] else "airflow" if "airflow-setup" in dry[i] else "run") for i in steps
    ]
    assert order == ["preflight", "airflow", "run"]
