"""OK (Odnoklassniki, ok.ru) API client: url.getInfo, group.getInfo and mediatopic.getTopics over fb.do.

Wire format (https://apiok.ru/en/dev/methods, "General request parameters" and
"Calculating request signature"):

* Every method is called as ``{api_server}fb.do?method=<name>`` (GET or POST); the real
  server is ``https://api.ok.ru/fb.do``. Common parameters: ``application_key`` (the
  application's public key), ``access_token`` (the session), ``format=json`` and ``sig``.
* ``sig``: leave out ``sig`` and ``access_token``/``session_key``; sort the other
  parameters by key; join them as ``key=value`` with nothing in between; append the
  session secret; MD5 of that (UTF-8), lower-case hex. The session secret is
  ``session_secret_key`` when the connection gives one, else
  ``md5(access_token + application_secret_key)`` in lower case (see :func:`signature`).
* An error answer is ``{"error_code": N, "error_msg": "...", "error_data": ...}``
  (https://apiok.ru/en/dev/errors).

Connection ``ok_api``: host → base URL (default ``https://api.ok.ru``; a host given with
``/fb.do`` is accepted), password → access token, extra → ``application_key`` and
``application_secret_key`` (or ``session_secret_key``), optional ``rate``. The token and
the secrets are kept out of every log line, exception message and landing record: the
parameters handed to :meth:`JsonApi.call` and to the landing archive never contain them
(they are added in :meth:`OkApi.authenticate`), and error messages from the server are
scrubbed of them.

Calls per batch of pages:

* ``url.getInfo`` (https://apiok.ru/en/dev/methods/rest/url/url.getInfo) for each page
  given by name (``ok.ru/<name>``): ``url`` = the page's web address; the answer is
  ``{"objectId": Long, "objectIdStr": String, "type": String, ...}``. ``group.getInfo``
  takes numeric group ids only, so a name is first resolved to the ``objectId`` of a
  ``type`` GROUP answer; the answer is landed, so ``rebuild-raw`` reads the same
  resolution. An error answer, or an object that is not a group, leaves the page
  ``not_found`` (the landed answer says why); it is never left out.
* ``group.getInfo`` with up to :data:`GETINFO_MAX_UIDS` group ids per call (comma list in
  ``uids``), fields ``uid,members_count,access_type``. A uid missing from the answer is a
  group that no longer exists. If a multi-group call fails with a page-level error (300 or
  456), the groups of that call are asked one by one, so one bad group cannot hide the
  others.
* ``mediatopic.getTopics`` per group (``gid``), newest first, ``count`` topics a page,
  paged with the ``anchor`` of the previous answer (``direction=FORWARD``) while
  ``has_more`` is true and the oldest topic of the page is not older than the period.
  Counters (absent → 0): ``views_count`` → views, ``like_summary.count`` → likes,
  ``discussion_summary.comments_count`` → comments, ``reshare_summary.count`` → reposts;
  ``created_ms`` is the publication time.

Error mapping (:meth:`OkApi.check`):

* FLOOD_BLOCKED 8, LIMIT_REACHED 11 → :class:`ThrottledError` (paced retry with backoff).
* UNKNOWN 1, SERVICE 2 → :class:`TransientError` (retried).
* PERMISSION_DENIED 10 for ``mediatopic.getTopics`` of one group (``gid``): that group
  refuses us its content → :class:`OkPageError`, page status ``private``. The same code for
  ``url.getInfo`` or ``group.getInfo`` (methods of the application's VALUABLE_ACCESS
  permission, asked for many groups at once), or for the topics of every open group of a
  batch (:data:`DENIED_ALL_MIN` or more), is a refusal of the application → :class:`AuthError`.
* PARAM_API_KEY 101, PARAM_SESSION_EXPIRED 102, PARAM_SESSION_KEY
  103, PARAM_SIGNATURE 104, PARAM_RESIGNATURE 105, PARAM_SESSION_KEY_CHANGED 107,
  SESSION_REQUIRED 453 → :class:`AuthError` (fails at once, not retryable).
* NOT_FOUND 300, GROUP_RESTRICTION 456 → :class:`OkPageError`: a fact about one page, not
  a failure of the run; the extractor lands the answer and goes on with the other pages.
* Anything else → :class:`ApiError` (not retried within the call).

Page status (:func:`parse`):

* ``active``: described by group.getInfo with ``access_type`` OPEN (or none); followers =
  ``members_count``.
* ``not_found``: missing from the group.getInfo answer, or NOT_FOUND 300 for the group
  (from group.getInfo asked for that group alone, or from mediatopic.getTopics).
* ``not_found`` too: a page given by name that url.getInfo does not resolve to a group.
* ``private``: PERMISSION_DENIED 10 for the group's topics (see above), GROUP_RESTRICTION
  456 ("the group has restricted the operation", e.g. to
  its members: the page exists but its content is not public, so it is neither deleted nor
  banned), or ``access_type`` CLOSED/SECRET in group.getInfo (documented values of that
  field; no topics are requested for such a group).
* ``deleted``/``banned`` are not reported separately by these methods: OK answers 300 for
  both, so they appear as ``not_found``.
* ``followers`` is null unless active; ``platform_gov_mark`` is null (no documented
  group.getInfo field reports the «Госорганизация» mark).
* ``observed_at`` is the ``received_at`` of the group.getInfo call that described the page.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from ...extract.counters import to_int
from ...extract.http import ApiAccount, ApiError, AuthError, JsonApi, ThrottledError, TransientError
from .. import PLATFORMS

PLATFORM = "ok"
RECORD = PLATFORMS[PLATFORM]
CONN_ID = RECORD.conn_id
DEFAULT_HOST = "https://api.ok.ru"
DEFAULT_RATE = RECORD.default_rate  # requests per second; the connection's extra "rate" overrides it
ENDPOINT = "fb.do"

GETINFO_METHOD = "group.getInfo"
RESOLVE_METHOD = "url.getInfo"
RESOLVED_TYPE = "GROUP"  # the url.getInfo type of a group
WEB_PREFIX = "https://ok.ru/"  # url.getInfo is asked for https://ok.ru/<name>
DENIED_ALL_MIN = (
    3  # PERMISSION_DENIED for the topics of this many groups and no other answer: the application is refused
)
TOPICS_METHOD = "mediatopic.getTopics"
GETINFO_MAX_UIDS = 100
TOPICS_PAGE_SIZE = 100
MAX_TOPIC_PAGES = 1000  # per group and period: a guard against an anchor that never ends
GROUP_FIELDS = "uid,members_count,access_type"
TOPIC_FIELDS = ",".join(
    f"media_topic.{name}"
    for name in (
        "id",
        "created_ms",
        "owner_ref",
        "like_summary",
        "discussion_summary",
        "reshare_summary",
        "views_count",
    )
)
PRIVATE_ACCESS = {"CLOSED", "SECRET"}

# error codes, https://apiok.ru/en/dev/errors
THROTTLE_CODES = {8: "FLOOD_BLOCKED", 11: "LIMIT_REACHED"}
TRANSIENT_CODES = {1: "UNKNOWN", 2: "SERVICE"}
PERMISSION_DENIED = 10
GROUP_SCOPED = {TOPICS_METHOD}  # methods where PERMISSION_DENIED is about the one group asked
AUTH_CODES = {
    PERMISSION_DENIED: "PERMISSION_DENIED",
    101: "PARAM_API_KEY",
    102: "PARAM_SESSION_EXPIRED",
    103: "PARAM_SESSION_KEY",
    104: "PARAM_SIGNATURE",
    105: "PARAM_RESIGNATURE",
    107: "PARAM_SESSION_KEY_CHANGED",
    453: "SESSION_REQUIRED",
}
_FIX = f"of the Airflow connection {CONN_ID!r}"
AUTH_HINT = f"Check the password (access token) and extra.application_key {_FIX}; retrying cannot help"
AUTH_HINTS = {
    101: f"Fix extra.application_key {_FIX}; retrying cannot help",
    102: f"The session expired: renew the password (access token) {_FIX}; retrying cannot help",
    104: (
        f"The signature was refused: fix extra.application_secret_key (or extra.session_secret_key) {_FIX}; "
        "retrying cannot help"
    ),
}
PAGE_CODES = {300: "NOT_FOUND", 456: "GROUP_RESTRICTION"}
PAGE_STATUS = {300: "not_found", 456: "private", PERMISSION_DENIED: "private"}
UNSIGNED = {"sig", "access_token", "session_key"}


def signature(params: dict[str, Any], session_secret_key: str) -> str:
    """The ``sig`` of a request: MD5 of the sorted ``key=value`` pairs and the session secret.

    ``sig``, ``access_token`` and ``session_key`` are not signed. Values are signed as they
    are sent (text, UTF-8). Example (the documented server-server scheme):
    ``application_key=ABCDEFGHIGKLMNOPK, format=json, method=events.get`` with the session
    secret ``b1a2b89707a94624c43afae67d59274c`` gives ``232c8eb921951c4dba9b72606f9ddb4c``.
    """
    joined = "".join(f"{key}={_text(params[key])}" for key in sorted(params) if key not in UNSIGNED)
    return hashlib.md5((joined + session_secret_key).encode("utf-8")).hexdigest().lower()


def session_secret(access_token: str, application_secret_key: str) -> str:
    """The session secret of a server-side call: md5(access_token + application_secret_key), lower case."""
    return hashlib.md5((access_token + application_secret_key).encode("utf-8")).hexdigest().lower()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return str(value)


class OkPageError(ApiError):
    """NOT_FOUND (300) or GROUP_RESTRICTION (456): a fact about the page asked for."""

    def __init__(self, message: str, code: int, body: dict[str, Any]):
        super().__init__(message)
        self.code = code
        self.body = body  # the error answer, scrubbed of secrets: landed as the call's response


class OkApi(JsonApi):
    """fb.do calls signed with the session secret; OK's error answers mapped to the error classes."""

    conn_id, default_host, default_rate = CONN_ID, DEFAULT_HOST, DEFAULT_RATE

    platform = PLATFORM

    def __init__(self, account: ApiAccount, *, rate: float = DEFAULT_RATE, **kwargs: Any):
        base = account.base_url.rstrip("/")
        if base.endswith("/" + ENDPOINT):
            account = replace(account, base_url=base[: -len(ENDPOINT) - 1])
        super().__init__(account, rate=rate, **kwargs)
        extra = account.extra or {}
        self._application_key = str(extra.get("application_key") or "")
        app_secret = str(extra.get("application_secret_key") or "")
        given_secret = str(extra.get("session_secret_key") or "")
        missing = [
            name
            for name, value in (
                ("password (access token)", account.token),
                ("extra.application_key", self._application_key),
                ("extra.application_secret_key or extra.session_secret_key", app_secret or given_secret),
            )
            if not value
        ]
        if missing:
            raise AuthError(f"connection {CONN_ID!r} lacks {', '.join(missing)}")
        self._session_secret = given_secret or session_secret(account.token, app_secret)
        self.add_secrets(app_secret, given_secret, self._session_secret)

    def call(self, method: str, params: dict[str, Any], *, path: str | None = None, http: str = "POST") -> Any:
        """Call an API method through fb.do (``method`` goes in the parameters)."""
        return super().call(method, {**params, "method": method}, path=path or ENDPOINT, http=http)

    def authenticate(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = {key: _text(value) for key, value in params.items()}
        sent["application_key"] = self._application_key
        sent["format"] = "json"
        sent["sig"] = signature(sent, self._session_secret)
        sent["access_token"] = self.account.token
        return sent

    def check(self, body: Any, method: str) -> Any:
        if not (isinstance(body, dict) and "error_code" in body):
            return body
        try:
            code = int(body["error_code"])
        except (TypeError, ValueError):
            raise TransientError(f"ok {method}: unreadable error answer") from None
        detail = self.scrub(str(body.get("error_msg") or ""))[:200]
        name = {**THROTTLE_CODES, **TRANSIENT_CODES, **AUTH_CODES, **PAGE_CODES}.get(code, "error")
        message = f"ok {method}: {name} ({code}): {detail}"
        if code in THROTTLE_CODES:
            raise ThrottledError(message)
        if code in TRANSIENT_CODES:
            raise TransientError(message)
        if code == PERMISSION_DENIED and method in GROUP_SCOPED:
            raise OkPageError(message, code, self._page_body(body, code, detail))
        if code in AUTH_CODES:
            raise AuthError(f"{message}. {AUTH_HINTS.get(code, AUTH_HINT)}")
        if code in PAGE_CODES:
            raise OkPageError(message, code, self._page_body(body, code, detail))
        raise ApiError(message)

    def _page_body(self, body: dict[str, Any], code: int, detail: str) -> dict[str, Any]:
        """The error answer about one page as it is landed: scrubbed of secrets."""
        clean = {"error_code": code, "error_msg": detail}
        if body.get("error_data") is not None:
            clean["error_data"] = self.scrub(str(body["error_data"]))[:200]
        return clean


def resolved_uid(response: Any) -> str | None:
    """The group id of a url.getInfo answer; None for an error answer or an object that is not a group."""
    if not isinstance(response, dict) or "error_code" in response:
        return None
    if str(response.get("type") or "").upper() != RESOLVED_TYPE:
        return None
    uid = to_int(response.get("objectIdStr") or response.get("objectId"))
    return str(uid) if uid is not None and uid > 0 else None


def web_address(name: str) -> str:
    """The web address of a page given by name, as url.getInfo is asked for it."""
    return WEB_PREFIX + name


def groups_of(response: Any) -> list[dict[str, Any]]:
    """The group objects of a group.getInfo answer: a list, or documented as {"groups": [...]}."""
    if isinstance(response, dict):
        response = response.get("groups")
    return [g for g in response or [] if isinstance(g, dict)] if isinstance(response, list) else []


def error_code(response: Any) -> int | None:
    """OK's error code of an error answer, None for any other answer."""
    if isinstance(response, dict) and "error_code" in response:
        return to_int(response["error_code"])
    return None


def ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)
