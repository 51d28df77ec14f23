"""VK page addresses: the registry intake's forms, and the key the API is asked by."""

from __future__ import annotations

import re
from typing import Any

from ..urls import numeric_id

_SCREEN_NAME = re.compile(r"^[A-Za-z0-9_.]+$")
_NUMERIC = re.compile(r"^(?:club|public|event|-)?(\d+)$", re.IGNORECASE)
_GROUP = re.compile(r"(?:club|public|event)(\d+)")
_NAME = re.compile(r"[a-z0-9_.]{2,32}")
_PROFILE = re.compile(r"id\d+")
_RESERVED = frozenset({"feed", "im", "groups", "search", "friends", "settings", "login", "video", "music", "wall"})


def page_from_url(host: str, segments: list[str]) -> str:
    """``vk.com/club123``, ``vk.com/public123``, ``vk.com/event123`` → "123"; ``vk.com/name`` → "name"."""
    path = "/".join(segments)
    if len(segments) != 1:
        raise ValueError(f"{host}/{path}: not the address of a community (give vk.com/club<id> or vk.com/<name>)")
    name = segments[0].lower()
    group = _GROUP.fullmatch(name)
    if group:
        return numeric_id(group.group(1), "VK group")
    if _PROFILE.fullmatch(name):
        raise ValueError(f"{host}/{path}: a personal profile, not a community page")
    if name.isdigit() or not _NAME.fullmatch(name) or name in _RESERVED or name.endswith(".php"):
        raise ValueError(f"{host}/{path}: not the address of a community (give vk.com/club<id> or vk.com/<name>)")
    return name


def page_from_id(ident: str) -> str:
    """``vk:123`` → "123", ``vk:name`` → "name"."""
    return page_from_url("vk.com", [f"club{ident}" if ident.isdigit() else ident])


def page_key(platform_page_id: str) -> tuple[str, Any] | None:
    """("id", 123) or ("name", "screen_name"), or None for what cannot be a community."""
    text = str(platform_page_id).strip()
    match = _NUMERIC.match(text)
    if match:
        return ("id", int(match.group(1)))
    if _SCREEN_NAME.match(text):
        return ("name", text.lower())
    return None


def sent(key: tuple[str, Any]) -> str:
    """How a page key is written in ``group_ids``."""
    return str(key[1])
