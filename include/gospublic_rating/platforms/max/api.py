"""MAX Bot API client (https://dev.max.ru; the official clients of github.com/max-messenger).

Wire format, as the official Go, TypeScript and Python clients and the OpenAPI schema of the
Go client (``schema.yaml``) have it:

* Base URL ``https://platform-api2.max.ru`` (``platform-api.max.ru`` is marked deprecated and
  refused). The bot's token goes bare in the ``Authorization`` header (no ``Bearer``; the
  ``access_token`` query parameter is no longer supported). Documented limit: 30 requests/s.
* ``GET /chats/{chatId}`` → a Chat: ``chat_id``, ``type`` (dialog, chat, channel), ``status``
  (active, removed, left, closed, suspended: the bot's standing in the chat),
  ``participants_count``, ``link``, ``is_public``, ``title``.
  ``GET /chats/{chatLink}`` (lookup by public link) was documented but is reported as no
  longer working; :class:`~.planner.MaxExtractor` tries it once per link and gives a page it
  cannot resolve the status ``not_found`` (the landed answer keeps the reason).
* ``GET /messages?chat_id=&from=&to=&count=``: ``{"messages": [...]}``, newest first;
  ``count`` at most 100; ``from`` is the upper and ``to`` the lower time bound (``to < from``),
  times in milliseconds; no paging marker. A Message: ``timestamp`` (ms), ``body.mid`` (its
  id), ``stat.views`` (channels only). No reactions, forwards or comment counts.
* Errors: HTTP status with ``{"code": "...", "message": "..."}``: 401 the token is refused,
  403 the bot has no access to the chat, 404 no such chat, 429 too many requests, 5xx.

Mapping: 401 → :class:`AuthError` naming the connection and the field to fix; 403 / 404 →
:class:`MaxPageError` (``private`` / ``not_found``: a fact about one page, landed, the run goes
on); 429 → :class:`ThrottledError`; 5xx, timeouts → :class:`TransientError` (both retried by
:class:`JsonApi`); another 4xx → :class:`ApiError` with MAX's code and message.

Connection ``max_api``: host → base URL (empty: the real one), password → the bot token,
extra → optional ``rate`` (requests/s) and ``ca_bundle``: the path of a PEM file of the CA
certificates to trust. MAX's servers present a certificate issued under the Russian
Минцифры root CA («Russian Trusted Root CA»), which the usual CA stores lack: put that root
(with the system's roots if other hosts are called) in the file; it is handed to requests
as ``verify=``. Verification is never switched off.
"""

from __future__ import annotations

import os
from typing import Any

import requests

from ...extract.http import ApiAccount, ApiError, AuthError, JsonApi, TransientError
from .. import PLATFORMS

PLATFORM = "max"
RECORD = PLATFORMS[PLATFORM]
CONN_ID = RECORD.conn_id
DEFAULT_HOST = "https://platform-api2.max.ru"
DEPRECATED_HOST = "platform-api.max.ru"
DEFAULT_RATE = RECORD.default_rate
MESSAGES_PER_CALL = 100

CHAT_METHOD = "chats.get"  # GET /chats/{chatId} (params: chat_id) or /chats/{chatLink} (params: link)
MESSAGES_METHOD = "messages.get"  # GET /messages
PAGE_STATUS_BY_HTTP = {403: "private", 404: "not_found"}
# Chat.status (the bot's standing in the chat) → page status
CHAT_STATUS = {"active": "active", "closed": "deleted", "removed": "private", "left": "private", "suspended": "private"}


class MaxPageError(ApiError):
    """403 / 404: a fact about the chat asked for, not a failure of the run."""

    def __init__(self, message: str, status: str, body: dict[str, Any]):
        super().__init__(message)
        self.status = status
        self.body = body  # the error answer, scrubbed: landed as the call's response


class MaxApi(JsonApi):
    """GET calls with the bare token in the Authorization header; MAX's error answers mapped."""

    platform = PLATFORM
    conn_id, default_host, default_rate = CONN_ID, DEFAULT_HOST, DEFAULT_RATE
    refusals = (400, 401, 403, 404)

    def __init__(self, account: ApiAccount, *, rate: float = DEFAULT_RATE, **kwargs: Any):
        if DEPRECATED_HOST in account.base_url.split("://")[-1].split("/")[0]:
            raise AuthError(
                f"connection {CONN_ID!r}: host {DEPRECATED_HOST} is deprecated and refused by MAX; "
                f"set the host to {DEFAULT_HOST} (or leave it empty)"
            )
        if not account.token:
            raise AuthError(f"connection {CONN_ID!r} lacks the password (the MAX bot token)")
        super().__init__(account, rate=rate, **kwargs)
        self.session.headers["Authorization"] = account.token
        bundle = str((account.extra or {}).get("ca_bundle") or "")
        if bundle:
            if not os.path.isfile(bundle):
                raise AuthError(
                    f"connection {CONN_ID!r}: extra.ca_bundle {bundle!r} is not a readable file "
                    "(a PEM file with the Минцифры root CA)"
                )
            self.session.verify = bundle

    def get(self, method: str, path: str, params: dict[str, Any]) -> Any:
        return self.call(method, params, path=path, http="GET")

    def refused(self, response: requests.Response, where: str) -> None:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code = self.scrub(str(body.get("code") or ""))[:80]
        text = self.scrub(str(body.get("message") or ""))[:200]
        if status == 401:
            raise AuthError(
                f"{where}: MAX refused the bot token (HTTP 401 {code}: {text}). Put a valid token in the "
                f"password of the Airflow connection {CONN_ID!r}; retrying cannot help."
            )
        if status in PAGE_STATUS_BY_HTTP:
            clean = {"http_status": status, "code": code, "message": text}
            raise MaxPageError(f"{where}: HTTP {status} {code}: {text}", PAGE_STATUS_BY_HTTP[status], clean)
        raise ApiError(f"{where}: HTTP {status} {code}: {text}")

    def check(self, body: Any, method: str) -> Any:
        if not isinstance(body, dict):
            raise TransientError(f"max {method}: unexpected answer of type {type(body).__name__}")
        if method == MESSAGES_METHOD and not isinstance(body.get("messages"), list):
            raise TransientError(f"max {method}: an answer without messages")
        return body
