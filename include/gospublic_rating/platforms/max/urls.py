"""MAX channel addresses: ``max.ru/<name>`` (a public link) and numeric chat ids."""

from __future__ import annotations

import re

_NAME = re.compile(r"[a-z0-9_.]{2,64}")
_CHAT_ID = re.compile(r"-?\d{1,19}")
_RESERVED = frozenset({"join", "u", "c", "app", "apps", "download", "help", "login", "faq", "business"})


def page_from_url(host: str, segments: list[str]) -> str:
    """``max.ru/<name>`` → "<name>" (lower-cased): a channel's public link."""
    path = "/".join(segments)
    name = segments[0].lower()
    if name == "join":
        raise ValueError(f"{host}/{path}: a private invite link, not a public channel (send the chat id instead)")
    if len(segments) != 1 or name in _RESERVED or not _NAME.fullmatch(name):
        raise ValueError(f"{host}/{path}: not the address of a channel (give max.ru/<name> or the chat id)")
    return name


def page_from_id(ident: str) -> str:
    """``max:-72000000000001`` (a chat id, as the API writes it) → "-72000000000001"; ``max:name`` → "name"."""
    if _CHAT_ID.fullmatch(ident):
        number = int(ident)
        if number == 0:
            raise ValueError(f"MAX chat id {ident} is not an id")
        return str(number)
    return page_from_url("max.ru", [ident])


def chat_id(platform_page_id: str) -> int | None:
    """The chat id of a page given by id; None for a page given by its link."""
    text = str(platform_page_id).strip()
    return int(text) if _CHAT_ID.fullmatch(text) else None
