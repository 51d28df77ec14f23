"""Telegram channel addresses: the registry intake's forms and TGStat's ``channelId``."""

from __future__ import annotations

import re

_NAME = re.compile(r"[a-z][a-z0-9_]{4,31}")
_RESERVED = frozenset({"joinchat", "addstickers", "addlist", "share", "proxy", "socks", "login", "boost"})


def page_from_url(host: str, segments: list[str]) -> str:
    """``t.me/name``, ``t.me/s/name``, ``telegram.me/name`` → "name"."""
    path = "/".join(segments)
    first = segments[0].lower()
    if first.startswith("+") or first == "joinchat":
        raise ValueError(f"{host}/{path}: a private invite link, not a public channel")
    if first == "s" and len(segments) == 2:
        segments = segments[1:]
    if len(segments) != 1:
        raise ValueError(f"{host}/{path}: not the address of a channel (give t.me/<name>)")
    if first in _RESERVED:
        raise ValueError(f"{host}/{path}: not the address of a channel (give t.me/<name>)")
    return _name(segments[0])


def page_from_id(ident: str) -> str:
    """``telegram:name`` and ``@name`` → "name"."""
    return _name(ident)


def _name(name: str) -> str:
    lowered = name.lower()
    if not _NAME.fullmatch(lowered):
        raise ValueError(f"{name!r} is not a Telegram username (5-32 letters, digits or '_', starting with a letter)")
    return lowered


def channel_param(name: str) -> str:
    """``channelId`` of a channel username (lower-case, no @, as in the registry)."""
    return "@" + username(name)


def username(value: str) -> str:
    """The channel username of an address, a handle or a ``channelId``: lower case, no @."""
    name = str(value).strip()
    name = re.sub(r"^(https?://)?(t\.me|telegram\.me)/", "", name)
    return name.lstrip("@").strip("/").lower()
