"""The project is installed into its virtual environment: README commands work without PYTHONPATH."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.mark.parametrize(
    "command",
    [
        [str(Path(sys.executable).with_name("gospublic")), "--help"],
        [sys.executable, "-m", "gospublic_rating", "--help"],
    ],
)
def test_the_command_line_runs_from_anywhere_without_pythonpath(command, tmp_path):
    result = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "generate-demo" in result.stdout


def test_the_package_is_the_checkout_installed_editable(tmp_path):
    probe = "import gospublic_rating, pathlib; print(pathlib.Path(gospublic_rating.__file__).resolve())"
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert Path(result.stdout.strip()) == ROOT / "include" / "gospublic_rating" / "__init__.py"


def test_pyproject_declares_the_package_and_the_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "gospublic-rating"
    assert project["project"]["scripts"]["gospublic"] == "gospublic_rating.cli:main"
    assert project["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
