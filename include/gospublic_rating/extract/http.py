"""Paced, retried JSON calls to a platform API.

* The account (base URL, token, extra secrets) comes from an Airflow connection; its
  ``repr`` and every error message leave the secrets out.
* :class:`Pacer` keeps requests at or below a configured rate (per token). The default rates
  keep a margin below each API's documented limit (the registry); after each throttling
  answer the pacer widens its interval by :data:`SLOWDOWN` (up to :data:`MAX_SLOWDOWN` times
  the configured one) and narrows it back by :data:`RECOVERY` with each answer that was not
  throttled, so a throttled run slows down at once and speeds up again slowly. The client
  counts throttling answers (``throttled``): each batch reports them.
* :meth:`JsonApi.call` retries throttling, 5xx answers, timeouts, connection resets and
  malformed JSON with exponential backoff and full jitter; an authentication error fails
  at once (:class:`AuthError` is not retryable). Pacing and backoff read the clock and sleep
  through the functions the client is built with, so tests can run them on virtual time.
* Secrets: every response excerpt, exception text and error message that can reach a log
  line or an exception goes through :func:`scrub` (the account's secrets, as sent or
  URL-encoded, and the values of secret-named parameters become ``***``); the secrets are
  also registered with Airflow's secrets masker when Airflow is there.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from ..errors import NotRetryable

log = logging.getLogger(__name__)
SECRET_KEYS = {"access_token", "token", "session_secret_key", "application_secret_key", "sig", "secret"}
MASK = "***"
EXCERPT = 80  # characters of an unexpected answer kept in a message


class ApiError(Exception):
    """A platform API call failed."""


class AuthError(ApiError, NotRetryable):
    """The token or signature was refused: retrying cannot help."""


class ThrottledError(ApiError):
    """The platform asked us to slow down."""


class TransientError(ApiError):
    """A failure worth retrying: 5xx, timeout, reset connection, malformed JSON."""


class QuotaError(ApiError, NotRetryable):
    """The account's quota is used up: retrying within the run cannot help."""


@dataclass(frozen=True)
class ApiAccount:
    """Where and as whom to call an API. Secrets never appear in repr()."""

    base_url: str
    token: str = field(repr=False)
    extra: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_connection(cls, conn_id: str, default_host: str) -> ApiAccount:
        """The account of an Airflow connection: host → base URL, password → token, extra → extra.

        Looked up through Airflow when it is importable (connections, secrets backends),
        else from the AIRFLOW_CONN_<ID> variable (JSON form).
        """
        host, token, extra = _connection_fields(conn_id)
        base = host or default_host
        if "://" not in base:
            base = "https://" + base
        return cls(base.rstrip("/"), token or "", extra)


def _connection_fields(conn_id: str) -> tuple[str | None, str | None, dict]:
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
        host = conn.host
        if host and conn.schema and "://" not in host:
            host = f"{conn.schema}://{host}"
        if host and conn.port:
            host = f"{host}:{conn.port}"
        return host, conn.password, conn.extra_dejson or {}
    except ImportError:
        pass
    except Exception as error:  # Airflow is there but has no such connection
        raise AuthError(f"connection {conn_id!r} is not configured ({type(error).__name__})") from None
    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not raw:
        raise AuthError(f"connection {conn_id!r} is not configured (AIRFLOW_CONN_{conn_id.upper()})")
    data = json.loads(raw)
    host = data.get("host")
    if host and data.get("schema") and "://" not in host:
        host = f"{data['schema']}://{host}"
    if host and data.get("port"):
        host = f"{host}:{data['port']}"
    return host, data.get("password"), data.get("extra") or {}


# key=value of a secret-named parameter: in a query string, a form body, an echoed request
_SECRET_PARAM = re.compile(r"(?<![A-Za-z0-9_])((?:" + "|".join(sorted(SECRET_KEYS)) + r")=)[^&\s\"'<>]*")


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` (a text or a JSON value) with the secrets and secret-named parameters masked.

    Each secret is masked as given and URL-encoded; in a JSON value, the value of a key in
    :data:`SECRET_KEYS` and of VK's echoed ``request_params`` entries of such keys too.
    Scrub before cutting a text short: a cut secret is no longer recognised.
    """
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
                    value = value.replace(form, MASK)
        return _SECRET_PARAM.sub(r"\1" + MASK, value) if "=" in value else value
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in SECRET_KEYS:
                item = MASK
            elif key == "request_params" and isinstance(item, list):
                item = [_masked_param(p) for p in item]
            out[key] = scrub(item, secrets)
        return out
    return value


def _masked_param(param: Any) -> Any:
    """A ``{"key": ..., "value": ...}`` entry of VK's echoed ``request_params``, its value masked if secret."""
    return {**param, "value": MASK} if isinstance(param, dict) and param.get("key") in SECRET_KEYS else param


def mask_in_airflow_logs(*secrets: str) -> None:
    """Register secrets with Airflow's secrets masker (task and supervisor logs); nothing without Airflow."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    for secret in secrets:
        if secret:
            mask_secret(secret)


class _RedactQuery(logging.Filter):
    """urllib3 logs each request line, query string included, at DEBUG: redact secrets there."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        if "=" in message:
            record.msg, record.args = scrub(message), ()
        return True


_urllib3_log = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _RedactQuery) for f in _urllib3_log.filters):
    _urllib3_log.addFilter(_RedactQuery())


def redact(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` without secrets: safe for logs, exceptions and the landing archive."""
    return {k: ("***" if k in SECRET_KEYS else v) for k, v in params.items()}


SLOWDOWN = 2.0  # a throttling answer multiplies the pacing interval by this
RECOVERY = 1.05  # each answer that was not throttled divides it by this, down to the configured one
MAX_SLOWDOWN = 16.0  # the interval never grows beyond this many times the configured one


class Pacer:
    """At most ``rate`` calls per second, spaced evenly, slower after throttling; thread-safe."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep=time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.base_interval = 1.0 / rate
        self.interval = self.base_interval
        self._clock, self._sleep = clock, sleep
        self._next = clock()
        self._lock = threading.Lock()

    def slow_down(self) -> None:
        """The API throttled us: widen the interval (at most MAX_SLOWDOWN times the configured one)."""
        with self._lock:
            self.interval = min(self.interval * SLOWDOWN, self.base_interval * MAX_SLOWDOWN)

    def recover(self) -> None:
        """An answer that was not throttled: narrow the interval a little, back towards the configured one."""
        with self._lock:
            self.interval = max(self.interval / RECOVERY, self.base_interval)

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


class JsonApi:
    """JSON over HTTP with pacing and retries; subclasses add auth and error mapping."""

    platform = "api"
    conn_id = ""  # the Airflow connection of the account
    default_host = ""  # the API's real base URL
    default_rate = 1.0  # requests per second, unless the connection's extra sets "rate"

    def __init__(
        self,
        account: ApiAccount,
        *,
        rate: float,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.account = account
        self.secrets: list[str] = []
        self.add_secrets(account.token, *(str(v) for k, v in account.extra.items() if _is_secret_key(k)))
        self.pacer = Pacer(rate, clock=clock, sleep=sleep)
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.timeout = timeout
        self.sleep = sleep
        self.session = requests.Session()
        self.calls = 0  # HTTP requests sent, retries included
        self.throttled = 0  # answers that asked us to slow down

    @classmethod
    def account_from_connection(cls) -> ApiAccount:
        return ApiAccount.from_connection(cls.conn_id, cls.default_host)

    @classmethod
    def from_connection(cls, *, rate: float | None = None, **kwargs: Any) -> JsonApi:
        """The API as the Airflow connection ``conn_id`` configures it."""
        account = cls.account_from_connection()
        if rate is None:
            rate = float(account.extra.get("rate") or cls.default_rate)
        return cls(account, rate=rate, **kwargs)

    def add_secrets(self, *secrets: str) -> None:
        """Keep these values out of every message of this client and out of Airflow's logs."""
        new = [s for s in secrets if s and s not in self.secrets]
        self.secrets.extend(new)
        self.secrets.sort(key=len, reverse=True)  # a secret inside a longer one: the longer first
        mask_in_airflow_logs(*new)

    def scrub(self, value: Any) -> Any:
        """``value`` (a text or a JSON value) with this client's secrets masked: see :func:`scrub`."""
        return scrub(value, self.secrets)

    refusals: tuple[int, ...] = (401, 403)  # HTTP statuses that :meth:`refused` explains

    def refused(self, response: requests.Response, where: str) -> None:
        """Raise for an HTTP refusal: by default the token was refused. Override per platform."""
        raise AuthError(f"{where}: HTTP {response.status_code}: token refused")

    def authenticate(self, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters as sent: add the token or signature. Override per platform."""
        return params

    def check(self, body: Any, method: str) -> Any:
        """Raise ThrottledError / AuthError / QuotaError for error answers. Override per platform."""
        return body

    def note_throttled(self) -> None:
        """A throttling answer (of a call, or inside a batched call): count it and slow the pace."""
        self.throttled += 1
        self.pacer.slow_down()

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base x 2^attempt, capped."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def call(self, method: str, params: dict[str, Any], *, path: str | None = None, http: str = "POST") -> Any:
        """The checked answer of one API call, after at most ``max_attempts`` attempts.

        A retryable failure before the last attempt is logged and waited out (backoff); the
        last one raises :class:`TransientError` at once.
        """
        url = f"{self.account.base_url}/{(path or method).lstrip('/')}"
        where = self.scrub(f"{self.platform} {method}({json.dumps(redact(params), ensure_ascii=False)[:200]})")
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            self.pacer.wait()
            self.calls += 1
            try:
                answer = self._attempt(url, method, params, http, where)
            except requests.RequestException as error:  # its text may hold the URL: scrubbed
                last = TransientError(f"{where}: {type(error).__name__}: {self.scrub(str(error))[:200]}")
            except ThrottledError as error:
                self.note_throttled()
                last = error
            except TransientError as error:
                last = error
            except ApiError:  # an answer about a page or the account: not a throttling one
                self.pacer.recover()
                raise
            else:
                self.pacer.recover()
                return answer
            if attempt == self.max_attempts:
                break
            wait = self.backoff(attempt - 1)
            log.warning("%s; retry %d/%d in %.1f s", last, attempt, self.max_attempts - 1, wait)
            self.sleep(wait)
        raise TransientError(f"{where}: gave up after {self.max_attempts} attempts: {last}")

    def _attempt(self, url: str, method: str, params: dict[str, Any], http: str, where: str) -> Any:
        sent = self.authenticate(dict(params))
        if http == "GET":
            response = self.session.get(url, params=sent, timeout=self.timeout)
        else:
            response = self.session.post(url, data=sent, timeout=self.timeout)
        if response.status_code == 429:
            raise ThrottledError(f"{where}: HTTP 429")
        if response.status_code >= 500:
            raise TransientError(f"{where}: HTTP {response.status_code}")
        if response.status_code in self.refusals:
            self.refused(response, where)
        try:
            body = response.json()
        except ValueError:
            excerpt = self.scrub(response.text[: 20 * EXCERPT])[:EXCERPT]
            raise TransientError(f"{where}: malformed JSON ({excerpt!r})") from None
        try:
            return self.check(body, method)
        except ApiError as error:  # the last line of defence: a platform's message built from the answer
            error.args = tuple(self.scrub(arg) if isinstance(arg, str) else arg for arg in error.args)
            raise


def _is_secret_key(key: str) -> bool:
    """A connection extra that holds a secret: a key of SECRET_KEYS, or one that says so."""
    lowered = key.lower()
    return lowered in SECRET_KEYS or any(word in lowered for word in ("secret", "token", "password"))
