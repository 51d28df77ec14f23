"""OK page addresses of the registry intake."""

from __future__ import annotations

import re

from ..urls import numeric_id

_GROUP = re.compile(r"group(\d+)")
_NAME = re.compile(r"[a-z0-9_.]{2,64}")
_RESERVED = frozenset({"group", "groups", "profile", "feed", "dk", "search", "messages", "music", "video", "games"})


def page_from_url(host: str, segments: list[str]) -> str:
    """``ok.ru/group/123``, ``ok.ru/group123`` → "123"; ``ok.ru/name`` → "name"."""
    path = "/".join(segments)
    lowered = [s.lower() for s in segments]
    if len(lowered) == 2 and lowered[0] == "group" and lowered[1].isdigit():
        return numeric_id(lowered[1], "OK group")
    if len(lowered) == 1:
        group = _GROUP.fullmatch(lowered[0])
        if group:
            return numeric_id(group.group(1), "OK group")
        name = lowered[0]
        if not name.isdigit() and _NAME.fullmatch(name) and name not in _RESERVED:
            return name
    if lowered[0] == "profile":
        raise ValueError(f"{host}/{path}: a personal profile, not a group page")
    raise ValueError(f"{host}/{path}: not the address of a group (give ok.ru/group/<id> or ok.ru/<name>)")


def page_from_id(ident: str) -> str:
    """``ok:123`` → "123", ``ok:name`` → "name"."""
    return page_from_url("ok.ru", ["group", ident] if ident.isdigit() else [ident])
