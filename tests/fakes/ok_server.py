"""A fake OK API (fb.do) for the extractor's tests: signatures checked as OK checks them.

    with FakeOk(groups={"100": FakeGroup(members=5, topics=[...])}) as server:
        account = ApiAccount(server.url, TOKEN, {"application_key": APP_KEY, "application_secret_key": APP_SECRET})

* Every request must carry ``method``, ``application_key``, ``access_token`` and a ``sig``
  computed over the other parameters with md5(access_token + application_secret_key) (or
  the configured session secret); a wrong one is answered with PARAM_SIGNATURE (104).
* ``url.getInfo`` (https://apiok.ru/en/dev/methods/rest/url/url.getInfo): ``url`` → ``{"objectId",
  "objectIdStr", "type"}``; ``ok.ru/<name>`` of a group with that ``shortname`` (or
  ``ok.ru/group/<id>``) is type GROUP, a name in ``profiles`` type USER, anything else
  NOT_FOUND (300).
* ``group.getInfo``: up to 100 uids, numeric group ids only (a name there is answered with
  nothing, as for an unknown id); unknown or deleted groups are left out of the answer.
* ``mediatopic.getTopics``: the group's topics newest first, ``count`` a page, paged by an
  opaque ``anchor`` with ``has_more``; NOT_FOUND (300) for an unknown or deleted group,
  GROUP_RESTRICTION (456) for a restricted one, PERMISSION_DENIED (10) for one that refuses
  this application its content (``denied``).
* Faults: ``faults`` is consumed one per request, in order: "flood" (8), "limit" (11),
  "http500", "malformed" (not JSON), or an int error code; ``session_error`` (e.g. 102)
  answers every request; ``getinfo_error`` answers group.getInfo with that code whenever one
  of ``getinfo_error_uids`` is among the uids asked.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from fakes.server import FakeApi

ERROR_NAMES = {
    8: "FLOOD_BLOCKED",
    10: "PERMISSION_DENIED",
    11: "LIMIT_REACHED",
    100: "PARAM",
    101: "PARAM_API_KEY",
    102: "PARAM_SESSION_EXPIRED",
    103: "PARAM_SESSION_KEY",
    104: "PARAM_SIGNATURE",
    300: "NOT_FOUND",
    453: "SESSION_REQUIRED",
    456: "GROUP_RESTRICTION",
}


def topic(topic_id: str, created_ms: int, views: int = 0, likes: int = 0, comments: int = 0, reshares: int = 0):
    """A media topic as mediatopic.getTopics describes it (with the counters asked for)."""
    return {
        "id": topic_id,
        "created_ms": created_ms,
        "views_count": views,
        "like_summary": {"count": likes},
        "discussion_summary": {"comments_count": comments},
        "reshare_summary": {"count": reshares},
    }


@dataclass
class FakeGroup:
    members: int = 0
    topics: list[dict[str, Any]] = field(default_factory=list)  # any order: served newest first
    access_type: str = "OPEN"
    deleted: bool = False  # left out of group.getInfo, NOT_FOUND for its topics
    restricted: bool = False  # GROUP_RESTRICTION for its topics
    denied: bool = False  # PERMISSION_DENIED for its topics
    shortname: str | None = None  # its address ok.ru/<shortname>, resolved by url.getInfo


class FakeOk(FakeApi):
    def __init__(
        self,
        groups: dict[str, FakeGroup] | None = None,
        *,
        token: str = "token",
        application_key: str = "APPKEY",
        application_secret_key: str = "appsecret",
        session_secret_key: str | None = None,
        faults: list[str | int] | None = None,
        session_error: int | None = None,
        getinfo_error: int | None = None,
        getinfo_error_uids: set[str] | None = None,
        wrap_groups: bool = True,
        max_count: int = 100,
        max_uids: int = 100,
        profiles: dict[str, str] | None = None,
    ):
        super().__init__()
        self.groups = groups or {}
        self.token = token
        self.application_key = application_key
        self.secret = session_secret_key or hashlib.md5((token + application_secret_key).encode()).hexdigest().lower()
        self.faults = list(faults or [])
        self.session_error = session_error
        self.getinfo_error = getinfo_error
        self.getinfo_error_uids = set(getinfo_error_uids or ())
        self.wrap_groups = wrap_groups  # {"groups": [...]} as documented, or a bare list
        self.max_count = max_count
        self.max_uids = max_uids
        self.profiles = dict(profiles or {})  # name -> user id: url.getInfo answers type USER
        self._fault_lock = threading.Lock()

    # --- what tests look at
    def calls(self, method: str | None = None) -> list[dict[str, str]]:
        return [r["params"] for r in self.requests if method is None or r["params"].get("method") == method]

    # --- the wire
    @staticmethod
    def error(code: int, message: str = "") -> tuple[int, dict[str, Any]]:
        return 200, {"error_code": code, "error_msg": f"{ERROR_NAMES.get(code, 'ERROR')} : {message}".strip()}

    def expected_sig(self, params: dict[str, str]) -> str:
        signed = {k: v for k, v in params.items() if k not in ("sig", "access_token", "session_key")}
        text = "".join(f"{k}={signed[k]}" for k in sorted(signed))
        return hashlib.md5((text + self.secret).encode("utf-8")).hexdigest().lower()

    def respond(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if path != "/fb.do":
            return 404, {"error": "no such path"}
        with self._fault_lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault == "http500":
            return 500, b"<html>internal error</html>"
        if fault == "malformed":
            return 200, b'{"groups": [ {"uid": '
        if fault in ("flood", "limit"):
            return self.error(8 if fault == "flood" else 11, "slow down")
        if isinstance(fault, int):
            return self.error(fault, "injected")
        if self.session_error:
            return self.error(self.session_error, "session")
        if params.get("application_key") != self.application_key:
            return self.error(101, "bad application_key")
        if params.get("access_token") != self.token:
            return self.error(102, "session expired")
        if params.get("sig") != self.expected_sig(params):
            return self.error(104, "Invalid signature")
        if params.get("format", "").lower() != "json":
            return self.error(100, "format")
        method = params.get("method")
        if method == "group.getInfo":
            return self.group_info(params)
        if method == "mediatopic.getTopics":
            return self.topics(params)
        if method == "url.getInfo":
            return self.url_info(params)
        return self.error(3, f"no method {method}")

    def url_info(self, params: dict[str, str]) -> tuple[int, Any]:
        url = params.get("url")
        if not url:
            return self.error(100, "url")
        path = url.split("://", 1)[-1].split("/", 1)[-1].strip("/").lower()
        if path.startswith("group/") and path[len("group/") :] in self.groups:
            uid = path[len("group/") :]
            return 200, {"objectId": int(uid), "objectIdStr": uid, "type": "GROUP"}
        for uid, group in self.groups.items():
            if group.shortname and group.shortname.lower() == path and not group.deleted:
                return 200, {"objectId": int(uid), "objectIdStr": uid, "type": "GROUP"}
        if path in self.profiles:
            return 200, {"objectId": int(self.profiles[path]), "objectIdStr": self.profiles[path], "type": "USER"}
        return self.error(300, "url")

    def group_info(self, params: dict[str, str]) -> tuple[int, Any]:
        uids = [u for u in params.get("uids", "").split(",") if u]
        if not uids or len(uids) > self.max_uids or not params.get("fields"):
            return self.error(100, "uids/fields")
        if self.getinfo_error and self.getinfo_error_uids & set(uids):
            return self.error(self.getinfo_error, "group")
        fields = set(params["fields"].lower().split(","))
        found = []
        for uid in uids:
            group = self.groups.get(uid) if uid.isdigit() else None  # group ids only
            if group is None or group.deleted:
                continue
            item = {
                "uid": uid,
                "name": f"group {uid}",
                "members_count": group.members,
                "access_type": group.access_type,
            }
            found.append({k: v for k, v in item.items() if k in fields or k == "uid"})
        return 200, ({"groups": found} if self.wrap_groups else found)

    def topics(self, params: dict[str, str]) -> tuple[int, Any]:
        group = self.groups.get(params.get("gid", ""))
        if group is None or group.deleted:
            return self.error(300, "group")
        if group.restricted:
            return self.error(456, "members only")
        if group.denied:
            return self.error(10, "no access to the group")
        count = int(params.get("count") or 20)
        if not 1 <= count <= self.max_count:
            return self.error(100, "count")
        ordered = sorted(group.topics, key=lambda t: t["created_ms"], reverse=True)
        offset = int(params["anchor"][len("anc-") :]) if params.get("anchor") else 0
        page = ordered[offset : offset + count]
        following = offset + len(page)
        return 200, {
            "media_topics": [{**t, "owner_ref": f"group:{params['gid']}"} for t in page],
            "anchor": f"anc-{following}",
            "has_more": following < len(ordered),
        }
