"""A fake TGStat API (api.tgstat.ru) on loopback: channels/get, channels/posts, posts/stat-multi.

It speaks TGStat's wire format: GET with query parameters, the account's ``token`` among
them, answers ``{"status": "ok", "response": ...}`` or ``{"status": "error", "error": code}``
(HTTP 200). ``channels/posts`` honours ``startTime`` / ``endTime`` (both bounds inclusive,
the cautious reading of "date of publication from / to"), ``hideDeleted``, ``limit`` (at most
50) and ``offset`` (at most 1000), newest posts first. A limit or offset past those bounds is
answered with the error ``wrong_params`` (a code of this fake, so that a test fails loudly).

    channels = {"minfin59": {"participants_count": 1200, "posts": [post(1, 1759300000, views=10)]}}
    with FakeTgstat(channels, token="secret") as server:
        server.inject("flood", times=2)  # the next two calls answer flood_control_10
        ...

Faults (``inject(kind, times=1, method=None)``, taken in order by the next matching calls):
``flood`` (error flood_control_10), ``http429``, ``quota`` (quota_requests_reached),
``invalid_token`` (token_invalid), ``http500``, ``malformed`` (truncated JSON). A channel that
is not in ``channels`` is answered with ``channel_not_found``; a token other than ``token``
with ``token_invalid``; ``quota=N`` answers quota_requests_reached after N calls.
"""

from __future__ import annotations

from typing import Any

from fakes.server import FakeApi

MAX_LIMIT = 50
MAX_OFFSET = 1000
COUNTERS = ("shares_count", "comments_count", "reactions_count")


def post(
    message_id: int,
    date: int,
    *,
    views: int = 0,
    shares: int = 0,
    comments: int = 0,
    reactions: Any = 0,
    deleted: bool = False,
    tgstat_id: int | None = None,
) -> dict[str, Any]:
    """A post of a fake channel: its Telegram message id, unix date and counters."""
    return {
        "message_id": message_id,
        "date": date,
        "views": views,
        "shares_count": shares,
        "comments_count": comments,
        "reactions_count": reactions,
        "deleted": deleted,
        "tgstat_id": tgstat_id,
    }


_FAULTS: dict[str, tuple[int, Any]] = {
    "flood": (200, {"status": "error", "error": "flood_control_10"}),
    "http429": (429, {"status": "error", "error": "flood_control_60"}),
    "quota": (200, {"status": "error", "error": "quota_requests_reached"}),
    "invalid_token": (200, {"status": "error", "error": "token_invalid"}),
    "http500": (500, b"<html><body>502 Bad Gateway</body></html>"),
    "malformed": (200, b'{"status": "ok", "response": {"id": 1, "partic'),
}


def _error(code: str) -> tuple[int, dict[str, str]]:
    return 200, {"status": "error", "error": code}


class FakeTgstat(FakeApi):
    def __init__(
        self,
        channels: dict[str, dict[str, Any]],
        *,
        token: str = "tgstat-secret-token",
        counters_in_posts: bool = True,
        quota: int | None = None,
    ):
        super().__init__()
        self.channels = {name.lower(): spec for name, spec in channels.items()}
        self.token = token
        self.counters_in_posts = counters_in_posts
        self.quota = quota
        self.faults: list[tuple[str, str | None]] = []
        self._ids: dict[str, int] = {name: 1000 + n for n, name in enumerate(self.channels)}

    def inject(self, kind: str, *, times: int = 1, method: str | None = None) -> None:
        if kind not in _FAULTS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(_FAULTS)}")
        self.faults.extend([(kind, method)] * times)

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The requests received (of one method), in order."""
        return [r for r in self.requests if method is None or r["path"].strip("/") == method]

    def respond(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        method = path.strip("/")
        with self._lock:
            for n, (kind, only) in enumerate(self.faults):
                if only is None or only == method:
                    del self.faults[n]
                    return _FAULTS[kind]
            if not params.get("token"):
                return _error("empty_token")
            if params["token"] != self.token:
                return _error("token_invalid")
            if self.quota is not None:
                if self.quota <= 0:
                    return _error("quota_requests_reached")
                self.quota -= 1
        handler = {
            "channels/get": self._channel,
            "channels/posts": self._posts,
            "posts/stat-multi": self._stat_multi,
        }.get(method)
        if handler is None:
            return _error("wrong_method")
        name = _username(params.get("channelId", ""))
        if name not in self.channels:
            return _error("channel_not_found")
        return handler(name, params)

    def _channel(self, name: str, params: dict[str, str]) -> tuple[int, Any]:
        spec = self.channels[name]
        return 200, {
            "status": "ok",
            "response": {
                "id": self._ids[name],
                "link": f"t.me/{name}",
                "peer_type": "channel",
                "username": f"@{name}",
                "title": spec.get("title", name),
                "about": "",
                "image100": "",
                "image640": "",
                "participants_count": spec.get("participants_count", 0),
                "tgstat_restrictions": [],
            },
        }

    def _item(self, name: str, p: dict[str, Any]) -> dict[str, Any]:
        item = {
            "id": self._tgstat_id(name, p),
            "date": p["date"],
            "views": p["views"],
            "link": f"t.me/{name}/{p['message_id']}",
            "channel_id": self._ids[name],
            "forwarded_from": None,
            "is_deleted": int(p["deleted"]),
            "deleted_at": None,
            "group_id": None,
            "text": f"post {p['message_id']}",
            "media": {"media_type": "mediaDocument"},
        }
        if self.counters_in_posts:
            item.update({key: p[key] for key in COUNTERS})
        return item

    def _tgstat_id(self, name: str, p: dict[str, Any]) -> int:
        return p["tgstat_id"] or self._ids[name] * 100_000 + p["message_id"]

    def _posts(self, name: str, params: dict[str, str]) -> tuple[int, Any]:
        limit, offset = int(params.get("limit", 20)), int(params.get("offset", 0))
        if not 0 < limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
            return _error("wrong_params")
        start = int(params["startTime"]) if "startTime" in params else None
        end = int(params["endTime"]) if "endTime" in params else None
        chosen = [
            p
            for p in self.channels[name].get("posts", [])
            if (start is None or p["date"] >= start)
            and (end is None or p["date"] <= end)
            and not (params.get("hideDeleted") == "1" and p["deleted"])
        ]
        chosen.sort(key=lambda p: (p["date"], p["message_id"]), reverse=True)
        page = chosen[offset : offset + limit]
        return 200, {
            "status": "ok",
            "response": {"count": len(page), "total_count": len(chosen), "items": [self._item(name, p) for p in page]},
        }

    def _stat_multi(self, name: str, params: dict[str, str]) -> tuple[int, Any]:
        wanted = [int(i) for i in params.get("postsIds", "").split(",") if i]
        if not 0 < len(wanted) <= 50:
            return _error("wrong_params")
        by_id = {self._tgstat_id(name, p): p for p in self.channels[name].get("posts", [])}
        return 200, {
            "status": "ok",
            "response": [
                {
                    "postId": i,
                    "viewsCount": by_id[i]["views"],
                    "sharesCount": by_id[i]["shares_count"],
                    "commentsCount": by_id[i]["comments_count"],
                    "reactionsCount": by_id[i]["reactions_count"],
                }
                for i in wanted
                if i in by_id
            ],
        }


def _username(value: str) -> str:
    name = value.strip()
    for prefix in ("https://", "http://", "t.me/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.lstrip("@").strip("/").lower()
