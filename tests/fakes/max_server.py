"""A fake MAX Bot API (platform-api2.max.ru) on loopback, written from the documentation.

What it speaks (dev.max.ru and the OpenAPI schema of the official clients):

* ``Authorization: <token>`` header, bare; a request without it or with another token is
  answered 401 ``{"code": "verify.token", "message": "Invalid access_token"}``. A token in
  the ``access_token`` query parameter is not read (no longer supported).
* ``GET /chats/{chatId}`` → the Chat: ``chat_id``, ``type`` "channel", ``status`` (the bot's
  standing: active, removed, left, closed), ``participants_count``, ``link``, ``is_public``,
  ``title``. An unknown id → 404 ``{"code": "not.found", ...}``; a chat the bot is not
  allowed to see → 403 ``{"code": "chat.denied", ...}``.
* ``GET /chats/{chatLink}`` → 404 (lookup by link no longer works), unless ``links_work``.
* ``GET /messages?chat_id=&from=&to=&count=``: ``{"messages": [...]}``, newest first, at most
  ``count`` (1-100, default 50; more → 400 ``proto.payload``); ``from`` the upper and ``to``
  the lower bound in ms, both inclusive; ``to > from`` → 400. Messages: ``timestamp`` (ms),
  ``body.mid``, ``body.seq``, ``body.text``, ``stat.views``, ``recipient.chat_id``.
* ``inject(kind, times)``: ``429`` (``{"code": "too.many.requests"}``), ``500``.
"""

from __future__ import annotations

from typing import Any

from fakes.server import FakeApi


def message(mid: str, timestamp_ms: int, views: int = 0) -> dict[str, Any]:
    """A channel post of the fake: its id, time (ms) and views."""
    return {"mid": mid, "timestamp": timestamp_ms, "views": views}


def _error(status: int, code: str, text: str) -> tuple[int, dict[str, str]]:
    return status, {"code": code, "message": text}


class FakeMax(FakeApi):
    def __init__(
        self,
        chats: dict[int, dict[str, Any]],
        *,
        token: str = "max-secret-token",
        denied: set[int] | None = None,
        links_work: bool = False,
    ):
        """``chats``: chat id → {"participants_count", "status" (default active), "link", "messages"}."""
        super().__init__()
        self.chats, self.token, self.denied, self.links_work = chats, token, denied or set(), links_work
        self.faults: list[str] = []

    def inject(self, kind: str, times: int = 1) -> None:
        self.faults += [kind] * times

    def respond_to(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if self.faults:
            kind = self.faults.pop(0)
            if kind == "429":
                return _error(429, "too.many.requests", "Too many requests")
            return 500, b"<html>Internal Server Error</html>"
        if headers.get("Authorization") != self.token:
            return _error(401, "verify.token", "Invalid access_token")
        if path.startswith("/chats/"):
            return self._chat(path.removeprefix("/chats/"))
        if path == "/messages":
            return self._messages(params)
        return _error(404, "not.found", f"Path {path} not found")

    def _chat(self, key: str) -> tuple[int, Any]:
        try:
            chat = int(key)
        except ValueError:
            found = [c for c, v in self.chats.items() if v.get("link", "").rsplit("/", 1)[-1].lower() == key.lower()]
            if not self.links_work or not found:
                return _error(404, "not.found", f"Chat {key} not found")
            chat = found[0]
        if chat in self.denied:
            return _error(403, "chat.denied", "Bot has no access to chat")
        if chat not in self.chats:
            return _error(404, "not.found", f"Chat {chat} not found")
        info = self.chats[chat]
        return 200, {
            "chat_id": chat,
            "type": "channel",
            "status": info.get("status", "active"),
            "title": f"Channel {chat}",
            "participants_count": info.get("participants_count", 0),
            "is_public": True,
            "link": info.get("link", f"https://max.ru/c{abs(chat)}"),
            "last_event_time": 0,
        }

    def _messages(self, params: dict[str, str]) -> tuple[int, Any]:
        count = int(params.get("count", 50))
        if not 1 <= count <= 100:
            return _error(400, "proto.payload", "count must be between 1 and 100")
        chat = int(params["chat_id"])
        if chat in self.denied:
            return _error(403, "chat.denied", "Bot has no access to chat")
        if chat not in self.chats:
            return _error(404, "not.found", f"Chat {chat} not found")
        upper = int(params["from"]) if "from" in params else None
        lower = int(params["to"]) if "to" in params else None
        if upper is not None and lower is not None and lower > upper:
            return _error(400, "proto.payload", "'to' must be less than 'from'")
        items = sorted(self.chats[chat].get("messages", []), key=lambda m: m["timestamp"], reverse=True)
        items = [
            m
            for m in items
            if (upper is None or m["timestamp"] <= upper) and (lower is None or m["timestamp"] >= lower)
        ]
        return 200, {
            "messages": [
                {
                    "sender": None,
                    "recipient": {"chat_id": chat, "chat_type": "channel"},
                    "timestamp": m["timestamp"],
                    "body": {"mid": m["mid"], "seq": i, "text": "…"},
                    "stat": {"views": m["views"]},
                }
                for i, m in enumerate(items[:count])
            ]
        }
