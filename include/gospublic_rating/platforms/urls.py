"""Page addresses of every platform → (platform, platform_page_id), for the registry intake.

The hosts, the ``<platform>:<id>`` form and the ``@name`` form come from the registry
(:data:`gospublic_rating.platforms.PLATFORMS`); each platform's ``urls.py`` reads its own
addresses.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import NAMES, PLATFORMS, by_host

_PAGE_ID_FORM = re.compile(r"(" + "|".join(NAMES) + r"):(?!//)(\S+)")


def numeric_id(digits: str, what: str) -> str:
    """A positive numeric id without leading zeros; ValueError otherwise."""
    number = int(digits)
    if number <= 0:
        raise ValueError(f"{what} id {digits} is not a positive number")
    return str(number)


def normalise_page_url(text: str) -> tuple[str, str]:
    """``(platform, platform_page_id)`` of a page address; ValueError with the reason otherwise.

    The forms of each platform are those of its registry record (``forms``, see
    docs/registry_intake.md); also a page id as the contract writes it (``vk:123``,
    ``ok:name``, ``telegram:name``). The scheme may be left out; query strings, fragments
    and trailing slashes are dropped; names are lower-cased, numeric ids lose leading zeros.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty address")
    if any(ch.isspace() for ch in text):
        raise ValueError("the address contains spaces")
    for platform in PLATFORMS.values():
        if platform.handle_prefix and text.startswith(platform.handle_prefix):
            return platform.name, platform.plugin().page_from_id(text[len(platform.handle_prefix) :])
    for platform in PLATFORMS.values():
        if platform.bare_id and re.fullmatch(platform.bare_id, text):
            return platform.name, platform.plugin().page_from_id(text)
    page_id = _PAGE_ID_FORM.fullmatch(text)
    if page_id:
        name, ident = page_id.groups()
        return name, PLATFORMS[name].plugin().page_from_id(ident)
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError as error:
        raise ValueError(f"not a web address ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"scheme {parts.scheme!r} is not http or https")
    for prefix in ("www.", "m."):
        host = host.removeprefix(prefix)
    platform = by_host(host)
    if platform is None:
        *others, last = [p.title for p in PLATFORMS.values()]
        raise ValueError(f"{host or 'no host'}: not a {', '.join(others)} or {last} address")
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        raise ValueError(f"{host}: the address names no page")
    return platform.name, platform.plugin().page_from_url(host, segments)
