"""The retry policy of every task: retry only what can be transient, fail everything else at once.

A retry helps when the world was briefly in the way: a lost or timed-out connection, an API
that throttled or answered 5xx, an I/O error (a full disk that was cleared, a network
filesystem that hiccuped), a DuckDB file locked by another process or a write conflict.
Anything else (bad input, a bad setting, a refused publication, a failed conversion, a
corrupt file, a bug) fails the same way on every try, so the task fails at once and the
log's reason line carries the project's message.

The DAG imports this module when the scheduler parses it: it imports nothing heavy. The
classes of DuckDB, requests and urllib3 are looked up only when an exception is classified,
and only if their library is already loaded (an exception of a library implies it is).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta

from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

from .errors import NotRetryable

RETRIES = 2
RETRY_DELAY = timedelta(minutes=2)

# Deterministic file errors: the same path is missing or forbidden on every try.
_PERMANENT_OS_ERRORS = (FileNotFoundError, FileExistsError, PermissionError, IsADirectoryError, NotADirectoryError)


@dataclass(frozen=True)
class Verdict:
    transient: bool
    reason: str


def _loaded(module: str, *names: str) -> tuple[type[BaseException], ...]:
    """Exception classes ``module.name`` if ``module`` is already imported (else none)."""
    found = sys.modules.get(module)
    return tuple(getattr(found, name) for name in names if found is not None and hasattr(found, name))


def _transient_kind(error: BaseException) -> str | None:
    """Why ``error`` alone may go away on a retry, or None if it cannot."""
    if isinstance(error, NotRetryable):
        return None
    api = _loaded("gospublic_rating.extract.http", "ThrottledError", "TransientError")
    if api and isinstance(error, api):
        return "the API throttled or failed transiently"
    duckdb_transient = _loaded(
        "duckdb", "IOException", "ConnectionException", "TransactionException", "InterruptException"
    )
    if duckdb_transient and isinstance(error, duckdb_transient):
        return "DuckDB I/O error, lock contention or write conflict"
    requests_transient = _loaded("requests.exceptions", "ConnectionError", "Timeout", "ChunkedEncodingError")
    if requests_transient and isinstance(error, requests_transient):
        return "network error"
    requests_any = _loaded("requests.exceptions", "RequestException")
    if requests_any and isinstance(error, requests_any):
        return None  # an invalid URL or the like: requests' errors are OSErrors, but not I/O ones
    urllib3_transient = _loaded(
        "urllib3.exceptions", "TimeoutError", "ProtocolError", "NewConnectionError", "MaxRetryError", "IncompleteRead"
    )
    if urllib3_transient and isinstance(error, urllib3_transient):
        return "network error"
    if isinstance(error, ConnectionError | TimeoutError):
        return "network error"
    if isinstance(error, OSError) and not isinstance(error, _PERMANENT_OS_ERRORS):
        return "I/O error"
    return None


def _chain(error: BaseException):
    """``error`` and the exceptions it was raised from or while handling."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def classify(error: BaseException) -> Verdict:
    """Transient (retry) or not (fail at once), with a one-line reason for the log."""
    message = " ".join(str(error).split())[:300] or "(no message)"
    cause = f"{type(error).__name__}: {message}"
    if isinstance(error, NotRetryable):
        return Verdict(False, cause)
    for link in _chain(error):
        kind = _transient_kind(link)
        if kind:
            return Verdict(True, f"{kind}: {cause}")
    return Verdict(False, f"{cause} (not a transient error: a retry cannot fix it)")


class TransientOnly(RetryPolicy):
    """Retry transient errors (up to the task's retries); fail anything else at once."""

    def __init__(self, delay: timedelta = RETRY_DELAY):
        self.delay = delay

    def evaluate(self, exception, try_number, max_tries, context=None) -> RetryDecision:
        verdict = classify(exception)
        if not verdict.transient:
            return RetryDecision.fail(verdict.reason)
        if try_number > max_tries:
            return RetryDecision.fail(f"{verdict.reason}; no retries left")
        seconds = int(self.delay.total_seconds())
        return RetryDecision.retry(self.delay, f"{verdict.reason}; retrying in {seconds} s")

    def serialize(self) -> dict:
        return {"__type": type(self).__name__, "delay": self.delay.total_seconds()}

    @classmethod
    def deserialize(cls, data: dict) -> TransientOnly:
        return cls(timedelta(seconds=data["delay"]))
