"""VK API client: page stats through ``groups.getById``, posts through ``wall.get`` in ``execute``.

Wire format (API version 5.199, https://dev.vk.com; JSON schema github.com/VKCOM/vk-api-schema):

* ``POST {base}/{method}`` form-encoded with ``access_token`` and ``v``; the answer is
  ``{"response": ...}`` or ``{"error": {"error_code", "error_msg", "request_params"}}``.
* ``groups.getById`` (``group_ids`` comma-separated, at most 500; ``fields``) answers
  ``{"response": {"groups": [...], "profiles": []}}`` in 5.199 (a bare list in old
  versions, also understood here). Ids that do not exist are left out of ``groups``; a
  request in which none exists fails with error 100.
* ``execute`` runs VKScript with at most 25 API calls. Ours is always
  ``return [API.wall.get({"owner_id":-G,"count":100,"offset":N}), ...];``; an inner call
  that fails is ``false`` in the answer and adds ``{"method", "error_code", "error_msg"}``
  to ``execute_errors`` (VK may append one more entry with ``"method": "execute"``).
  Failures are matched to calls by their ``request_params`` when present, else in order.

Errors:

* 6 (too many requests per second), 9 (flood control), 29 (rate limit reached):
  :class:`ThrottledError`, retried with backoff by :class:`JsonApi`; inside ``execute``
  the failed calls ride along in the next ``execute`` after a backoff.
* 5 (user authorization failed), 27 (group authorization failed), 28 (application
  authorization failed): :class:`AuthError` at once, with a message naming the connection
  and never the token.
* 1, 10 (unknown / internal server error): :class:`TransientError`, retried.
* 13 (runtime error in ``execute``, e.g. an answer too big): the same calls are sent again,
  half as many per ``execute`` for the rest of the batch. Any other code: :class:`VkError`.
* Page statuses (an error that describes one page, not the call):

  ====  ==================================  ===========
  code  VK description                      status
  ====  ==================================  ===========
  15    Access denied                       private
  18    User was deleted or banned          deleted
  19    Content blocked                     banned
  30    This profile is private             private
  100   One of the parameters ... invalid   not_found
  203   Access to group denied              private
  ====  ==================================  ===========

  19 is the one error ``wall.get`` itself declares (``api_error_blocked``): the wall is
  blocked, which is what "banned" means for a community (``deactivated: "banned"``).

The call planner is :mod:`.planner`, the parser of landing records :mod:`.parser`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ...extract.http import ApiAccount, ApiError, AuthError, JsonApi, ThrottledError, TransientError
from .. import PLATFORMS

PLATFORM = "vk"
RECORD = PLATFORMS[PLATFORM]
CONN_ID = RECORD.conn_id
DEFAULT_HOST = "https://api.vk.com/method"
DEFAULT_RATE = RECORD.default_rate
API_VERSION = "5.199"

GROUPS_PER_CALL = 500
CALLS_PER_EXECUTE = 25
POSTS_PER_CALL = 100
GROUP_FIELDS = "members_count,verified,is_government_organization,deactivated"

THROTTLE_CODES = frozenset({6, 9, 29})
AUTH_CODES = frozenset({5, 27, 28})
TRANSIENT_CODES = frozenset({1, 10})
RUNTIME_ERROR = 13  # execute: "Runtime error occurred during code invocation" (too many calls, answer too big)
STATUS_BY_CODE = {15: "private", 18: "deleted", 19: "banned", 30: "private", 100: "not_found", 203: "private"}

_WALL_GET = re.compile(r"API\.wall\.get\((\{[^()]*\})\)")


class VkError(ApiError):
    """A VK error answer that retrying the same call cannot fix; ``code`` is VK's error code."""

    def __init__(self, message: str, code: Any):
        super().__init__(message)
        self.code = code


class VkPageError(VkError):
    """An error answer that describes a page (deleted, private, ...), not the call."""

    def __init__(self, message: str, code: int, body: Any):
        super().__init__(message, code)
        self.status = STATUS_BY_CODE[code]
        self.body = body


class VkApi(JsonApi):
    """VK's JSON API: token and version on every call, VK error objects mapped to exceptions."""

    platform = PLATFORM

    def __init__(self, account: ApiAccount, *, rate: float = DEFAULT_RATE, **kwargs: Any):
        super().__init__(account, rate=rate, **kwargs)

    conn_id, default_host, default_rate = CONN_ID, DEFAULT_HOST, DEFAULT_RATE

    @classmethod
    def account_from_connection(cls) -> ApiAccount:
        """A connection host without a path gets VK's ``/method``."""
        account = super().account_from_connection()
        if urlsplit(account.base_url).path in ("", "/"):
            account = replace(account, base_url=account.base_url.rstrip("/") + "/method")
        return account

    def authenticate(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "access_token": self.account.token, "v": params.get("v", API_VERSION)}

    def check(self, body: Any, method: str) -> Any:
        if not isinstance(body, dict):
            raise TransientError(f"vk {method}: unexpected answer of type {type(body).__name__}")
        error = body.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise TransientError(f"vk {method}: malformed error object")
            code, text = error.get("error_code"), self.scrub(str(error.get("error_msg", "")))[:200]
            if code in THROTTLE_CODES:
                raise ThrottledError(f"vk {method}: error {code} ({text})")
            if code in AUTH_CODES:
                raise AuthError(self._auth_message(method, code, text))
            if code in TRANSIENT_CODES:
                raise TransientError(f"vk {method}: error {code} ({text})")
            if code in STATUS_BY_CODE:
                raise VkPageError(f"vk {method}: error {code} ({text})", code, self.scrub(body))
            raise VkError(f"vk {method}: error {code} ({text})", code)
        if "response" not in body:
            raise TransientError(f"vk {method}: answer without 'response'")
        for inner in body.get("execute_errors") or []:
            if isinstance(inner, dict) and inner.get("error_code") in AUTH_CODES:
                text = self.scrub(str(inner.get("error_msg", "")))[:200]
                raise AuthError(self._auth_message(f"{method}/{inner.get('method')}", inner["error_code"], text))
        return body

    def _auth_message(self, method: str, code: Any, text: str) -> str:
        return (
            f"vk {method}: VK refused the access token (error {code}: {text}). "
            f"Renew the token in the password of the Airflow connection {CONN_ID!r}; retrying cannot help."
        )


# --------------------------------------------------------------------------------------
# The wire format, shared by the planner (to decide what to call) and the parser (to build rows)


def groups_of(body: Any) -> list[dict]:
    response = body.get("response") if isinstance(body, dict) else None
    if isinstance(response, dict):
        response = response.get("groups")
    return [g for g in response or [] if isinstance(g, dict) and "id" in g]


def group_status(group: dict) -> str:
    deactivated = group.get("deactivated")
    if deactivated:
        return deactivated if deactivated in ("deleted", "banned") else "deleted"
    if group.get("is_closed") in (1, 2) and not (group.get("is_member") or group.get("is_admin")):
        return "private"
    return "active"


def wall_script(calls: list[tuple[int, int]]) -> str:
    """VKScript returning the ``wall.get`` answers of (group id, offset) calls, in order."""
    # filter=owner: the community's own posts, not visitors' posts on an open wall
    args = ({"owner_id": -gid, "count": POSTS_PER_CALL, "offset": offset, "filter": "owner"} for gid, offset in calls)
    return "return [" + ",".join(f"API.wall.get({json.dumps(a, separators=(',', ':'))})" for a in args) + "];"


def wall_calls(code: str) -> list[tuple[int, int]]:
    """(group id, offset) of each ``wall.get`` in a script made by :func:`wall_script`."""
    calls = []
    for match in _WALL_GET.finditer(code):
        args = json.loads(match.group(1))
        calls.append((-int(args["owner_id"]), int(args.get("offset", 0))))
    return calls


def execute_outcomes(calls: list[tuple[int, int]], body: Any) -> list[tuple[dict | None, dict | None]]:
    """(wall.get answer, None) or (None, error entry) per call of one ``execute`` answer.

    A call whose answer is missing or ``false`` gets its ``execute_errors`` entry: the one whose
    ``request_params`` name its owner and offset, else the next unclaimed one in order (entries
    of the ``execute`` method itself only repeat the last error and are skipped). With no entry
    left, the error is ``{"error_code": None}``: unexplained, so retried.
    """
    response = body.get("response") if isinstance(body, dict) else None
    if not isinstance(response, list) or len(response) != len(calls):  # cannot tell which call is which
        return [(None, {"error_code": None})] * len(calls)
    errors = [e for e in body.get("execute_errors") or [] if isinstance(e, dict) and e.get("method") != "execute"]
    claimed = [False] * len(errors)
    outcomes: list[tuple[dict | None, dict | None]] = [(None, None)] * len(calls)
    failed = []
    for i, result in enumerate(response):
        if isinstance(result, dict):
            outcomes[i] = (result, None)
        else:
            failed.append(i)
    unmatched = []
    for i in failed:
        gid, offset = calls[i]
        for j, entry in enumerate(errors):
            params = _request_params(entry)
            if not claimed[j] and params.get("owner_id") == str(-gid) and params.get("offset", "0") == str(offset):
                claimed[j] = True
                outcomes[i] = (None, entry)
                break
        else:
            unmatched.append(i)
    rest = (entry for j, entry in enumerate(errors) if not claimed[j])
    for i in unmatched:
        outcomes[i] = (None, next(rest, {"error_code": None}))
    return outcomes


def _request_params(entry: dict) -> dict[str, str]:
    params = entry.get("request_params")
    if not isinstance(params, list):
        return {}
    return {str(p.get("key")): str(p.get("value")) for p in params if isinstance(p, dict)}


def unpinned_dates(result: dict) -> list[int]:
    return [int(item["date"]) for item in result.get("items") or [] if not item.get("is_pinned") and "date" in item]


def next_offset(result: dict, offset: int, start: int) -> int | None:
    """Offset of the page's next 100 posts, or None once the period is covered.

    Posts come newest first, except a pinned post at the top, which may be of any date.
    """
    items = result.get("items") or []
    if not items:
        return None
    dates = unpinned_dates(result)
    if dates and min(dates) < start:
        return None
    following = offset + POSTS_PER_CALL
    if following >= int(result.get("count") or 0):
        return None
    return following
