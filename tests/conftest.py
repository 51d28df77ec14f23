"""Shared fixtures. Each test gets its own data folder (lake and warehouse)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Point the lake and the warehouse at a fresh folder for every test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("GOSPUBLIC_DATA_DIR", str(folder))
    return folder
