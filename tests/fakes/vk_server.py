"""A fake VK API (v5.199) on loopback: ``groups.getById`` and ``execute`` with ``wall.get``.

    groups = {1: {"members_count": 10, "posts": [{"id": 5, "date": 1790000000, "likes": 3}]}}
    with FakeVk(groups, token="t") as vk:
        api = VkApi(ApiAccount(vk.url + "/method", "t"))

A group is a dict with optional keys: ``screen_name``, ``name``, ``members_count``,
``deactivated`` ("deleted"/"banned"), ``is_closed`` (0/1/2), ``is_member``,
``is_government_organization``, ``verified``, ``posts`` (dicts with ``id``, ``date`` and
optionally ``views``, ``likes``, ``comments``, ``reposts`` counts and ``is_pinned``) and
``wall_error`` (an error code ``wall.get`` answers for this wall).

Wire format as VK's: form-encoded POST to ``/method/<name>``, JSON answers
``{"response": ...}`` or ``{"error": {"error_code", "error_msg", "request_params"}}``;
``execute`` answers ``false`` for an inner call that fails and lists it in
``execute_errors`` (plus a closing entry of method ``execute``, as VK does). The fake only
understands the VKScript that the client writes: ``return [API.wall.get({...}), ...];``.
Unlike VK, an error's ``request_params`` echo every parameter, the token included, so that
tests catch a client that would archive it.

Faults: ``faults`` is a list consumed one per request, each one of ``"throttle"`` (error 6),
``"rate"`` (error 29), ``"flood"`` (error 9), ``"auth"`` (error 5), ``"auth27"``, ``"auth28"``,
``"500"``, ``"malformed"`` (not JSON), ``"slow"`` (no answer until the next request
arrives, i.e. until the client has timed out, or the server closes) or None (no fault).
``rate_limit`` answers error 6 to a request that comes sooner than ``1 / rate_limit``
seconds (less a small tolerance) after the previous one, by ``clock`` (time.monotonic, or a
test's :class:`fakes.clock.VirtualClock` shared with the client, which makes it exact). ``wall_faults``
maps a group id to error codes its next ``wall.get`` calls inside ``execute`` fail with, one
per call (e.g. ``{3: [9]}``: flood control once). ``max_execute_posts`` answers error 13
("response size is too big") to an ``execute`` whose answer would hold more posts.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from fakes.server import FakeApi

MESSAGES = {
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation: Too many API calls",
    15: "Access denied: this wall available only for community members",
    18: "User was deleted or banned",
    19: "Content blocked",
    27: "Group authorization failed: method is unavailable with group auth.",
    28: "Application authorization failed: method is unavailable with service token.",
    29: "Rate limit reached",
    30: "This profile is private",
    100: "One of the parameters specified was missing or invalid",
    203: "Access to group denied: access to the group is denied.",
}
FAULT_CODES = {"throttle": 6, "rate": 29, "flood": 9, "auth": 5, "auth27": 27, "auth28": 28}
WALL_GET = re.compile(r"API\.wall\.get\((\{[^()]*\})\)")
SCRIPT = re.compile(r"^\s*return\s*\[(.*)\]\s*;?\s*$", re.DOTALL)


class FakeVk(FakeApi):
    def __init__(
        self,
        groups: dict[int, dict[str, Any]],
        *,
        token: str | None = None,
        faults: list[str | None] | None = None,
        rate_limit: float | None = None,
        auth_error: bool = False,
        wall_faults: dict[int, list[int]] | None = None,
        max_execute_posts: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(clock=clock)
        self.groups = {int(gid): group for gid, group in groups.items()}
        self.token = token
        self.faults = list(faults or [])
        self.rate_limit = rate_limit
        self.auth_error = auth_error
        self.wall_faults = {int(gid): list(codes) for gid, codes in (wall_faults or {}).items()}
        self.max_execute_posts = max_execute_posts
        self.wall_gets: list[tuple[int, int]] = []  # (group id, offset) of every inner wall.get
        self.answers: list[str] = []  # "ok" or the fault/error code of each request
        self._last: float | None = None
        self._serial = threading.Lock()
        self._held: list[threading.Event] = []  # "slow" requests waiting for the next one

    def __exit__(self, *exc):
        self._release()
        return super().__exit__(*exc)

    def _release(self) -> None:
        with self._serial:
            held, self._held = self._held, []
        for event in held:
            event.set()

    # -- bookkeeping for tests

    def calls(self, method: str) -> int:
        return sum(1 for r in self.requests if r["path"] == f"/method/{method}")

    # -- the API

    def respond(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        self._release()  # the client has moved on: answer the requests it gave up on
        with self._serial:
            now = self.clock()
            too_soon = (
                self.rate_limit is not None and self._last is not None and now - self._last < 0.8 / self.rate_limit
            )
            self._last = now
            fault = self.faults.pop(0) if self.faults else None
            if fault == "slow":
                held = threading.Event()
                self._held.append(held)
        method = path.rsplit("/", 1)[-1]
        if fault == "slow":
            held.wait()
            self.answers.append("slow")
            return 504, b"too late"
        elif fault == "500":
            self.answers.append("500")
            return 500, b"<html>Internal Server Error</html>"
        elif fault == "malformed":
            self.answers.append("malformed")
            return 200, b'{"response": [tru'
        elif fault in FAULT_CODES:
            return self._error(FAULT_CODES[fault], params)
        if too_soon:
            return self._error(6, params)
        if self.auth_error or (self.token is not None and params.get("access_token") != self.token):
            return self._error(5, params)
        if params.get("v") != "5.199":
            return self._error(8, params, "Invalid request: v (version) is required")
        if not path.startswith("/method/"):
            return 404, b"not found"
        if method == "groups.getById":
            return self._groups_get_by_id(params)
        if method == "execute":
            return self._execute(params)
        return self._error(3, params, "Unknown method passed")

    def _error(self, code: int, params: dict[str, str], message: str | None = None) -> tuple[int, Any]:
        self.answers.append(str(code))
        request_params = [{"key": k, "value": v} for k, v in params.items()]
        return 200, {
            "error": {"error_code": code, "error_msg": message or MESSAGES[code], "request_params": request_params}
        }

    def _group_object(self, gid: int, fields: set[str]) -> dict[str, Any]:
        group = self.groups[gid]
        out: dict[str, Any] = {
            "id": gid,
            "name": group.get("name", f"Community {gid}"),
            "screen_name": group.get("screen_name", f"club{gid}"),
            "is_closed": group.get("is_closed", 0),
            "type": "page",
        }
        if group.get("deactivated"):
            out["deactivated"] = group["deactivated"]
            out["name"] = "DELETED"
            return out
        if "is_member" in group:
            out["is_member"] = int(bool(group["is_member"]))
        if "members_count" in fields and "members_count" in group:
            out["members_count"] = group["members_count"]
        if "verified" in fields:
            out["verified"] = int(bool(group.get("verified", 0)))
        if "is_government_organization" in fields and "is_government_organization" in group:
            out["is_government_organization"] = bool(group["is_government_organization"])
        return out

    def _resolve(self, token: str) -> int | None:
        token = token.strip()
        if token.isdigit():
            return int(token) if int(token) in self.groups else None
        for gid, group in self.groups.items():
            if group.get("screen_name", f"club{gid}").lower() == token.lower():
                return gid
        return None

    def _groups_get_by_id(self, params: dict[str, str]) -> tuple[int, Any]:
        tokens = [t for t in (params.get("group_ids") or params.get("group_id") or "").split(",") if t]
        if not tokens:
            return self._error(100, params, "One of the parameters specified was missing or invalid: group_ids")
        if len(tokens) > 500:
            return self._error(100, params, "One of the parameters specified was missing or invalid: too many ids")
        fields = set(filter(None, params.get("fields", "").split(",")))
        gids = [gid for gid in (self._resolve(t) for t in tokens) if gid is not None]
        if not gids:
            return self._error(100, params, "One of the parameters specified was missing or invalid: group_ids")
        groups = [self._group_object(gid, fields) for gid in dict.fromkeys(gids)]
        self.answers.append("ok")
        return 200, {"response": {"groups": groups, "profiles": []}}

    def _execute(self, params: dict[str, str]) -> tuple[int, Any]:
        code = params.get("code", "")
        script = SCRIPT.match(code)
        calls = WALL_GET.findall(code)
        if not script or (script.group(1).strip() and not calls):
            return self._error(12, params)
        if len(calls) > 25:
            return self._error(13, params)
        results: list[Any] = []
        errors: list[dict[str, Any]] = []
        for raw in calls:
            args = json.loads(raw)
            owner, offset, count = int(args["owner_id"]), int(args.get("offset", 0)), int(args.get("count", 20))
            self.wall_gets.append((-owner, offset))
            result = self._wall_get(-owner, offset, min(count, 100))
            if isinstance(result, int):
                results.append(False)
                errors.append({"method": "wall.get", "error_code": result, "error_msg": MESSAGES[result]})
            else:
                results.append(result)
        posts = sum(len(r["items"]) for r in results if isinstance(r, dict))
        if self.max_execute_posts is not None and posts > self.max_execute_posts:
            return self._error(13, params, "Runtime error occurred during code invocation: Response size is too big")
        body: dict[str, Any] = {"response": results}
        if errors:
            body["execute_errors"] = [*errors, {**errors[-1], "method": "execute"}]
        self.answers.append("ok")
        return 200, body

    def _wall_get(self, gid: int, offset: int, count: int) -> dict[str, Any] | int:
        group = self.groups.get(gid)
        if group is None:
            return 100
        if self.wall_faults.get(gid):
            return self.wall_faults[gid].pop(0)
        if group.get("wall_error"):
            return int(group["wall_error"])
        if group.get("deactivated"):
            return 18 if group["deactivated"] == "deleted" else 19
        if group.get("is_closed") in (1, 2) and not group.get("is_member"):
            return 15
        posts = group.get("posts", [])
        ordered = [p for p in posts if p.get("is_pinned")] + sorted(
            (p for p in posts if not p.get("is_pinned")), key=lambda p: p["date"], reverse=True
        )
        return {"count": len(ordered), "items": [self._post(gid, p) for p in ordered[offset : offset + count]]}

    @staticmethod
    def _post(gid: int, post: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": post["id"],
            "owner_id": -gid,
            "from_id": -gid,
            "date": post["date"],
            "text": post.get("text", ""),
            "comments": {"count": post.get("comments", 0), "can_post": 1},
            "likes": {"count": post.get("likes", 0), "user_likes": 0, "can_like": 1},
            "reposts": {"count": post.get("reposts", 0), "user_reposted": 0},
            "post_type": "post",
        }
        if "views" in post:
            item["views"] = {"count": post["views"]}
        if post.get("is_pinned"):
            item["is_pinned"] = 1
        return item
