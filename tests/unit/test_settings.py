"""Settings: checked at start with a one-line message; paths with any character are safe in SQL."""

from __future__ import annotations

import duckdb
import pytest
from gospublic_rating import settings, validation
from gospublic_rating.cli import main
from gospublic_rating.errors import ResourceExhausted, SettingsError
from gospublic_rating.lake import warehouse_path
from gospublic_rating.reporting.text import top


@pytest.mark.parametrize("value", ["lots", "0GB", "100", "-1GB", "1 gigabyte", "１GB", "150%"])
def test_bad_memory_limit_is_refused(value, monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_DUCKDB_MEMORY_LIMIT", value)
    with pytest.raises(SettingsError, match="GOSPUBLIC_DUCKDB_MEMORY_LIMIT"):
        settings.check()


@pytest.mark.parametrize("value", ["1GB", "512MB", "1.5GiB", "2g", "1 GB", "50%"])
def test_memory_limits_duckdb_takes_are_accepted(value, monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_DUCKDB_MEMORY_LIMIT", value)
    settings.check()
    duckdb.connect(config={"memory_limit": settings.duckdb_memory_limit()}).close()


@pytest.mark.parametrize("value", ["0", "two", "1.5", "-2"])
def test_bad_thread_count_is_refused(value, monkeypatch):
    monkeypatch.setenv("GOSPUBLIC_DUCKDB_THREADS", value)
    with pytest.raises(SettingsError, match="GOSPUBLIC_DUCKDB_THREADS"):
        settings.check()


def test_preflight_reports_a_bad_memory_limit_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("GOSPUBLIC_DUCKDB_MEMORY_LIMIT", "lots")
    assert main(["preflight", "--period", "2026-10"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: GOSPUBLIC_DUCKDB_MEMORY_LIMIT='lots' is not a memory size")
    assert len(err.splitlines()) == 1


def test_a_run_publishes_from_a_data_folder_with_quotes_in_its_name(tmp_path, monkeypatch, run_month):
    folder = tmp_path / 'it\'s a "data" folder; drop'
    monkeypatch.setenv("GOSPUBLIC_DATA_DIR", str(folder))
    spec = run_month("run-quote", scale=200)
    assert str(spec.lake.root).startswith(str(folder))
    assert warehouse_path().parent == folder
    text = top(warehouse_path(), period="2026-10")
    assert "period 2026-10" in text


@pytest.mark.parametrize(
    ("stage", "step"),
    [("marts", "pandas_frame"), ("raw", "check")],  # a frame GX checks whole; counts pushed down
)
def test_out_of_memory_in_a_check_frame_is_a_resource_error(run_month, monkeypatch, stage, step):
    spec = run_month("run-oom", publish=False, scale=200)

    def out_of_memory(*args):
        raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 64.0 MiB")

    monkeypatch.setattr(validation.pushdown, step, out_of_memory)
    from gospublic_rating import pipeline

    with pytest.raises(ResourceExhausted, match="out of memory while building its check frame") as raised:
        pipeline.validate(spec, stage)
    assert not isinstance(raised.value, validation.ValidationFailed)
