"""The retry policy: only transient errors are retried; everything else fails at once."""

from __future__ import annotations

import errno
from datetime import timedelta

import duckdb
import pytest
import requests
import urllib3
from airflow.sdk.definitions.retry_policy import RetryAction
from gospublic_rating.contract import ContractError
from gospublic_rating.errors import SettingsError
from gospublic_rating.extract.http import AuthError, ThrottledError, TransientError
from gospublic_rating.period import PeriodError
from gospublic_rating.retry import TransientOnly, classify
from gospublic_rating.validation import ValidationFailed


def _raised_from(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as error:
            raise outer from error
    except BaseException as chained:
        return chained


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError("connection reset by peer"),
        TimeoutError("timed out"),
        OSError(errno.ENOSPC, "No space left on device"),
        requests.exceptions.ConnectionError("connection refused"),
        requests.exceptions.ReadTimeout("read timed out"),
        urllib3.exceptions.ProtocolError("connection aborted"),
        ThrottledError("vk: HTTP 429"),
        TransientError("vk: HTTP 503"),
        duckdb.IOException('IO Error: Could not set lock on file "warehouse.duckdb"'),
        duckdb.TransactionException("TransactionContext Error: write-write conflict"),
        # wrapped by the model runner, caused by a lock: still transient
        _raised_from(RuntimeError("model staging/stg_pages.sql failed"), duckdb.IOException("Could not set lock")),
    ],
)
def test_transient_errors_are_retried(error):
    verdict = classify(error)
    assert verdict.transient, verdict.reason


@pytest.mark.parametrize(
    "error",
    [
        ValueError("year 0 is out of range"),
        NotImplementedError("toordinal not yet supported on Timestamps"),
        KeyError("views"),
        duckdb.ConversionException("Conversion Error: Could not convert string 'abc' to INT64"),
        duckdb.ParserException('Parser Error: syntax error at or near "lots"'),
        duckdb.InvalidInputException("Invalid Input Error: not a parquet file"),
        duckdb.OutOfRangeException("Out of Range Error: DOUBLE value out of range for INT64"),
        FileNotFoundError(errno.ENOENT, "No such file", "pages.parquet"),
        PermissionError(errno.EACCES, "Permission denied", "data"),
        requests.exceptions.InvalidURL("bad url"),
        PeriodError("period '0000-01' is before 2022-12"),
        ContractError("pages.parquet, row 3, field platform: 'max' is not one of vk, ok, telegram"),
        SettingsError("GOSPUBLIC_DUCKDB_MEMORY_LIMIT='lots' is not a size"),
        ValidationFailed("validation stage marts failed"),
        AuthError("vk: HTTP 401: token refused"),
        # a project error raised while handling an I/O error is still the project's verdict
        _raised_from(ContractError("pages.parquet: not a readable Parquet file"), OSError(errno.EIO, "I/O error")),
    ],
)
def test_deterministic_errors_fail_at_once(error):
    verdict = classify(error)
    assert not verdict.transient, verdict.reason


def test_the_reason_carries_the_projects_message_in_one_line():
    verdict = classify(ContractError("pages.parquet, row 3,\n field platform: 'max'"))
    assert verdict.reason == "ContractError: pages.parquet, row 3, field platform: 'max'"


def test_policy_retries_transient_errors_with_the_delay_until_retries_run_out():
    policy = TransientOnly(timedelta(seconds=90))
    first = policy.evaluate(TransientError("vk: HTTP 503"), try_number=1, max_tries=2)
    assert first.action == RetryAction.RETRY
    assert first.retry_delay == timedelta(seconds=90)
    assert first.reason.endswith("retrying in 90 s")
    last = policy.evaluate(TransientError("vk: HTTP 503"), try_number=3, max_tries=2)
    assert last.action == RetryAction.FAIL
    assert "no retries left" in last.reason


def test_policy_fails_deterministic_errors_on_the_first_try():
    decision = TransientOnly().evaluate(ValueError("could not convert 'abc'"), try_number=1, max_tries=2)
    assert decision.action == RetryAction.FAIL
    assert "could not convert 'abc'" in decision.reason


def test_dag_tasks_use_the_policy():
    from airflow.dag_processing.dagbag import DagBag
    from gospublic_rating.lake import PROJECT_ROOT

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["gospublic_rating"]
    for task in dag.tasks:
        assert isinstance(task.retry_policy, TransientOnly), task.task_id
