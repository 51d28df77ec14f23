"""VK extractor: page stats through ``groups.getById``, posts through ``wall.get`` in ``execute``.

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

Statuses from ``groups.getById``: ``deactivated`` ``deleted``/``banned`` → that status;
``is_closed`` 1 (closed) or 2 (private) without ``is_member``/``is_admin`` → private (the wall
is not readable, so no ``wall.get`` is made); an id that is not returned → not_found; an id
that cannot be a VK id or screen name (characters outside ``[A-Za-z0-9_.]``) → not_found
without a call. Only active pages get ``wall.get``; a page whose ``wall.get`` fails with one of
the codes above takes that status (its posts are dropped).

Calls are kept to the minimum: one ``groups.getById`` per 500 pages (a batch that fails as a
whole with a page-status error is split in halves to isolate the bad id); ``wall.get`` calls
of all pages are packed 25 to an ``execute``; a page's next 100 posts are requested only while
its oldest non-pinned post is still in the period and ``count`` says there are more. When an
``execute`` would otherwise leave slots empty (the tail of a batch), they are filled with the
further pages of posts that a page's posting rate so far says it will need.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ..period import Period
from .counters import counter
from .http import ApiAccount, ApiError, AuthError, JsonApi, ThrottledError, TransientError
from .landing import LandingBatch

CONN_ID = "vk_api"
DEFAULT_HOST = "https://api.vk.com/method"
DEFAULT_RATE = 3.0
API_VERSION = "5.199"

PLATFORM = "vk"
GROUPS_PER_CALL = 500
CALLS_PER_EXECUTE = 25
POSTS_PER_CALL = 100
GROUP_FIELDS = "members_count,verified,is_government_organization,deactivated"

THROTTLE_CODES = frozenset({6, 9, 29})
AUTH_CODES = frozenset({5, 27, 28})
TRANSIENT_CODES = frozenset({1, 10})
RUNTIME_ERROR = 13  # execute: "Runtime error occurred during code invocation" (too many calls, answer too big)
STATUS_BY_CODE = {15: "private", 18: "deleted", 19: "banned", 30: "private", 100: "not_found", 203: "private"}

_SCREEN_NAME = re.compile(r"^[A-Za-z0-9_.]+$")
_NUMERIC = re.compile(r"^(?:club|public|event|-)?(\d+)$", re.IGNORECASE)
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
# Pure helpers shared by fetch (to decide what to call) and parse (to build rows)


def page_key(platform_page_id: str) -> tuple[str, Any] | None:
    """("id", 123) or ("name", "screen_name"), or None for what cannot be a community."""
    text = str(platform_page_id).strip()
    match = _NUMERIC.match(text)
    if match:
        return ("id", int(match.group(1)))
    if _SCREEN_NAME.match(text):
        return ("name", text.lower())
    return None


def _sent(key: tuple[str, Any]) -> str:
    return str(key[1])


def _groups_of(body: Any) -> list[dict]:
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
    args = ({"owner_id": -gid, "count": POSTS_PER_CALL, "offset": offset} for gid, offset in calls)
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


def _unpinned_dates(result: dict) -> list[int]:
    return [int(item["date"]) for item in result.get("items") or [] if not item.get("is_pinned") and "date" in item]


def next_offset(result: dict, offset: int, start: int) -> int | None:
    """Offset of the page's next 100 posts, or None once the period is covered.

    Posts come newest first, except a pinned post at the top, which may be of any date.
    """
    items = result.get("items") or []
    if not items:
        return None
    dates = _unpinned_dates(result)
    if dates and min(dates) < start:
        return None
    following = offset + POSTS_PER_CALL
    if following >= int(result.get("count") or 0):
        return None
    return following


def _received(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --------------------------------------------------------------------------------------


@dataclass
class _Wall:
    """Paging state of one community's wall during fetch."""

    frontier: int = 0  # the lowest offset still needed
    done: bool = False
    fetched: dict[int, dict] = field(default_factory=dict)
    requested: set[int] = field(default_factory=set)
    attempts: dict[int, int] = field(default_factory=dict)


class VkExtractor:
    platform = PLATFORM

    def __init__(self, api: VkApi, *, prefetch: bool = True):
        self.api = api
        self.prefetch = prefetch

    def fetch(self, batch: LandingBatch, pages: list[tuple[str, str]], period: Period) -> None:
        """Make every call needed for these pages (page_id, platform_page_id), adding each response
        with batch.add(method, params, response)."""
        keys = []
        for _, platform_page_id in pages:
            key = page_key(platform_page_id)
            if key is not None and key not in keys:
                keys.append(key)
        found: dict[tuple[str, Any], dict] = {}
        for i in range(0, len(keys), GROUPS_PER_CALL):
            self._groups(batch, keys[i : i + GROUPS_PER_CALL], found)
        gids: list[int] = []
        for key in keys:
            group = found.get(key)
            if group is not None and group_status(group) == "active" and int(group["id"]) not in gids:
                gids.append(int(group["id"]))
        self._walls(batch, gids, period)

    def _groups(self, batch: LandingBatch, keys: list[tuple[str, Any]], found: dict) -> None:
        params = {"group_ids": ",".join(_sent(k) for k in keys), "fields": GROUP_FIELDS}
        try:
            body = self.api.call("groups.getById", params)
        except VkPageError as error:
            batch.add("groups.getById", params, error.body)
            if len(keys) > 1:  # one bad id spoils the call: find it
                half = len(keys) // 2
                self._groups(batch, keys[:half], found)
                self._groups(batch, keys[half:], found)
            return
        batch.add("groups.getById", params, self.api.scrub(body))
        for group in _groups_of(body):
            found[("id", int(group["id"]))] = group
            if group.get("screen_name"):
                found[("name", str(group["screen_name"]).lower())] = group

    def _walls(self, batch: LandingBatch, gids: list[int], period: Period) -> None:
        start = int(period.start_utc.timestamp())
        walls = {gid: _Wall(requested={0}) for gid in gids}
        queue: deque[tuple[int, int]] = deque((gid, 0) for gid in gids)
        size = CALLS_PER_EXECUTE
        while queue:
            calls = [queue.popleft() for _ in range(min(size, len(queue)))]
            if self.prefetch and len(calls) < size:
                calls += self._speculate(walls, size - len(calls), start)
            params = {"code": wall_script(calls)}
            try:
                body = self.api.call("execute", params)
            except VkError as error:
                if error.code != RUNTIME_ERROR or len(calls) == 1:
                    raise
                # e.g. "response size is too big": the same calls, fewer at a time
                size = max(1, len(calls) // 2)
                queue.extendleft(reversed(calls))
                continue
            batch.add("execute", params, self.api.scrub(body))
            retry: list[tuple[int, int]] = []
            worst = 0
            for (gid, offset), (result, error) in zip(calls, execute_outcomes(calls, body), strict=True):
                wall = walls[gid]
                if result is not None:
                    wall.fetched[offset] = result
                elif error.get("error_code") in STATUS_BY_CODE:
                    wall.done = True
                elif not wall.done:
                    wall.attempts[offset] = tries = wall.attempts.get(offset, 0) + 1
                    if tries >= self.api.max_attempts:
                        raise TransientError(
                            f"vk execute/wall.get(owner_id={-gid}, offset={offset}): gave up after {tries} attempts: "
                            f"error {error.get('error_code')} ({self.api.scrub(str(error.get('error_msg', '')))[:200]})"
                        )
                    retry.append((gid, offset))
                    worst = max(worst, tries)
            follow = []
            for gid in dict.fromkeys(gid for gid, _ in calls):
                wall = walls[gid]
                while not wall.done and wall.frontier in wall.fetched:
                    following = next_offset(wall.fetched[wall.frontier], wall.frontier, start)
                    if following is None:
                        wall.done = True
                    else:
                        wall.frontier = following
                if not wall.done and wall.frontier not in wall.requested:
                    wall.requested.add(wall.frontier)
                    follow.append((gid, wall.frontier))
            retry = [(gid, offset) for gid, offset in retry if not walls[gid].done and offset >= walls[gid].frontier]
            # follow-ups and retries first: a deep wall's chain of calls then overlaps the other pages
            queue.extendleft(reversed(retry + follow))
            if worst:
                self.api.sleep(self.api.backoff(worst))

    def _speculate(self, walls: dict[int, _Wall], room: int, start: int) -> list[tuple[int, int]]:
        """Further offsets that open walls will need by their posting rate so far, for empty slots."""
        wanted: list[tuple[int, int, int]] = []  # (rank, gid, offset)
        for gid, wall in walls.items():
            if wall.done or wall.frontier == 0:
                continue
            dates = [d for offset, r in wall.fetched.items() if offset < wall.frontier for d in _unpinned_dates(r)]
            if len(dates) < 2 or max(dates) <= min(dates) or min(dates) <= start:
                continue
            rate = (len(dates) - 1) / (max(dates) - min(dates))
            expected = rate * (min(dates) - start)  # posts still to come before the period starts
            last = wall.fetched[max(o for o in wall.fetched if o < wall.frontier)]
            total = int(last.get("count") or 0)
            for k in range(1, CALLS_PER_EXECUTE):
                offset = wall.frontier + k * POSTS_PER_CALL
                if k * POSTS_PER_CALL >= expected or offset >= total:
                    break
                if offset not in wall.requested:
                    wanted.append((k, gid, offset))
        wanted.sort()
        chosen = [(gid, offset) for _, gid, offset in wanted[:room]]
        for gid, offset in chosen:
            walls[gid].requested.add(offset)
        return chosen


def parse(records: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """page_stats rows and posts rows (dicts with exactly the contract columns) from the landing
    records of one batch alone. observed_at = received_at of the groups.getById call that
    described the page (for a page VK did not describe: of the call that asked for it)."""
    records = iter(records)
    head = next(records)
    if head.get("kind") != "batch":
        raise ValueError("the first landing record must describe the batch")
    period = Period.parse(head["period"])
    start, end = int(period.start_utc.timestamp()), int(period.end_utc.timestamp())

    described: dict[tuple[str, Any], tuple[dict, str]] = {}
    asked: dict[tuple[str, Any], str] = {}
    refused: dict[tuple[str, Any], tuple[str, str]] = {}
    first_call: str | None = None
    wall_status: dict[int, str] = {}
    posts: dict[int, dict[str, dict]] = {}
    for record in records:
        if record.get("kind") != "call":
            continue
        method, params, body, at = (
            record["method"],
            record.get("params") or {},
            record["response"],
            record.get("received_at"),
        )
        if method == "groups.getById":
            first_call = first_call or at
            keys = [k for k in (page_key(t) for t in str(params.get("group_ids", "")).split(",") if t) if k]
            error = body.get("error") if isinstance(body, dict) else None
            if error is not None:
                if len(keys) == 1 and error.get("error_code") in STATUS_BY_CODE:
                    refused.setdefault(keys[0], (STATUS_BY_CODE[error["error_code"]], at))
                continue
            for key in keys:
                asked.setdefault(key, at)
            for group in _groups_of(body):
                for key in (("id", int(group["id"])), ("name", str(group.get("screen_name", "")).lower())):
                    if key in asked and key not in described:
                        described[key] = (group, at)
        elif method == "execute":
            calls = wall_calls(str(params.get("code", "")))
            for (gid, _), (result, error) in zip(calls, execute_outcomes(calls, body), strict=True):
                if result is not None:
                    kept = posts.setdefault(gid, {})
                    for item in result.get("items") or []:
                        if "id" in item and "date" in item and start <= int(item["date"]) < end:
                            kept.setdefault(str(item["id"]), item)
                elif error.get("error_code") in STATUS_BY_CODE:
                    wall_status.setdefault(gid, STATUS_BY_CODE[error["error_code"]])

    stats_rows, post_rows = [], []
    for page_id, platform_page_id in head["pages"]:
        key = page_key(platform_page_id)
        followers = gov_mark = gid = None
        if key in described:
            group, at = described[key]
            gid = int(group["id"])
            status = group_status(group)
            if status == "active":
                status = wall_status.get(gid, "active")
            if status == "active" and group.get("members_count") is not None:
                followers = int(group["members_count"])
            if group.get("is_government_organization") is not None:
                gov_mark = bool(group["is_government_organization"])
        elif key in refused:
            status, at = refused[key]
        else:
            status, at = "not_found", asked.get(key, first_call)
        stats_rows.append(
            {
                "page_id": page_id,
                "platform": PLATFORM,
                "period": str(period),
                "observed_at": _received(at),
                "status": status,
                "followers": followers,
                "platform_gov_mark": gov_mark,
            }
        )
        if status != "active":
            continue
        for post_id, item in posts.get(gid, {}).items():
            post_rows.append(
                {
                    "page_id": page_id,
                    "platform": PLATFORM,
                    "post_id": post_id,
                    "published_at": datetime.fromtimestamp(int(item["date"]), UTC),
                    "views": counter(item.get("views")),
                    "likes": counter(item.get("likes")),
                    "comments": counter(item.get("comments")),
                    "reposts": counter(item.get("reposts")),
                }
            )
    return stats_rows, post_rows


__all__ = [
    "API_VERSION",
    "CONN_ID",
    "DEFAULT_HOST",
    "DEFAULT_RATE",
    "STATUS_BY_CODE",
    "VkApi",
    "VkExtractor",
    "VkError",
    "VkPageError",
    "parse",
]
