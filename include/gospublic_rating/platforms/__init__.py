"""The platforms: one record each, in one place (the registry), and one package each.

Everything that lists platforms derives from :data:`PLATFORMS`: the DAG's pools and mapped
extraction tasks, the live source, the registry intake's address forms, the demo source,
the command line (``rebuild-raw --platform``), the local pool creation and the docs. Which
platforms a rating counts, and which are mandatory, is the methodology's business
(``include/gospublic_rating/methodologies/``), not the registry's.

Each platform's package, ``platforms/<name>/``, holds its API client (``api.py``), its call
planner (``planner.py``: the calls for a batch of pages, each answer kept in the landing
archive), its parser of landing records into contract rows (``parser.py``: the seam that
``rebuild-raw`` uses) and its URL normalisation (``urls.py``). The package itself provides
the names of :class:`PlatformPlugin`; :meth:`Platform.make_extractor` and :meth:`Platform.parse`
reach the planner and the parser. Its fake server lives with the tests
(``tests/fakes/<name>_server.py``).

This module is imported while the scheduler parses the DAG file: it imports nothing heavy
and no platform package (:meth:`Platform.plugin` does, when a task needs it).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from ..extract.landing import LandingBatch
    from ..period import Period


@dataclass(frozen=True)
class Platform:
    """One platform: its contract name, its API account and how its pages are written."""

    name: str  # the contract's `platform` value and the package name
    title: str  # for people: messages and docs
    api_name: str  # the API the extraction calls
    conn_id: str  # the Airflow connection of the account (host = base URL, password = token)
    batch_size: int  # pages per landing batch (the API's largest useful request)
    hosts: tuple[str, ...]  # web hosts of page addresses (without www. / m.)
    forms: tuple[str, ...]  # the address forms the intake accepts (docs)
    default_rate: float  # requests per second unless the connection's extra sets "rate"; at most
    # RATE_MARGIN of a documented limit (throttling answers slow the pace further: extract/http.py)
    rate_limit: float | None  # the API's documented limit (None: not documented)
    url_prefixes: tuple[str, str]  # web address of a page: prefix of a numeric id, of a name
    handle_prefix: str | None = None  # an address like "@name" means this platform
    bare_id: str | None = None  # a regular expression: an address that fully matches it is an id of this platform
    reports_engagement: bool = True  # whether posts carry likes, comments and reposts (else they are null)

    @property
    def pool(self) -> str:
        """The Airflow pool of the account: batches of the platform call its API one at a time."""
        return self.conn_id

    def plugin(self) -> PlatformPlugin:
        """The platform's package (imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.name}")  # type: ignore[return-value]

    def make_extractor(self, **options: Any) -> Extractor:
        """The platform's call planner with the API account of its Airflow connection
        (``platforms/<name>/planner.py: make_extractor``, imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.name}.planner").make_extractor(**options)

    def parse(self, records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """page_stats and posts rows (contract columns) from the landing records of one batch alone
        (``platforms/<name>/parser.py: parse``, imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.name}.parser").parse(records)


class Extractor(Protocol):
    """A platform's call planner: every call a batch of pages needs, each answer landed."""

    platform: str
    api: Any  # a JsonApi: its ``calls`` and ``throttled`` counters are reported per batch

    def fetch(self, batch: LandingBatch, pages: list[tuple[str, str]], period: Period) -> None: ...


class PlatformPlugin(Protocol):
    """What each platform package provides (module-level names of ``platforms/<name>/``); its
    ``planner.make_extractor`` and ``parser.parse`` are reached through :class:`Platform`."""

    def page_from_url(self, host: str, segments: list[str]) -> str:
        """platform_page_id of a web address (host without www./m., path segments); ValueError otherwise."""
        ...

    def page_from_id(self, ident: str) -> str:
        """platform_page_id of the contract form ``<platform>:<ident>``; ValueError otherwise."""
        ...


RATE_MARGIN = 0.9  # a default rate keeps at most this share of the API's documented limit

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            name="vk",
            title="VK",
            api_name="VK API",
            conn_id="vk_api",
            batch_size=500,
            hosts=("vk.com", "vk.ru", "vkontakte.ru"),
            forms=("vk.com/club<id>", "vk.com/public<id>", "vk.com/event<id>", "vk.com/<name>", "vk.ru/..."),
            default_rate=2.7,  # 90% of the documented limit: a margin
            rate_limit=3.0,
            url_prefixes=("https://vk.com/club", "https://vk.com/"),
        ),
        Platform(
            name="ok",
            title="OK",
            api_name="OK API",
            conn_id="ok_api",
            batch_size=100,
            hosts=("ok.ru", "odnoklassniki.ru"),
            forms=("ok.ru/group/<id>", "ok.ru/group<id>", "ok.ru/<name>"),
            default_rate=5.0,
            rate_limit=None,
            url_prefixes=("https://ok.ru/group/", "https://ok.ru/"),
        ),
        Platform(
            name="telegram",
            title="Telegram",
            api_name="TGStat API",
            conn_id="tgstat_api",
            batch_size=50,
            hosts=("t.me", "telegram.me", "telegram.dog"),
            forms=("t.me/<name>", "t.me/s/<name>", "telegram.me/<name>", "@<name>"),
            default_rate=1.0,
            rate_limit=None,
            url_prefixes=("https://t.me/", "https://t.me/"),
            handle_prefix="@",
        ),
        Platform(
            name="max",
            title="MAX",
            api_name="MAX Bot API",
            conn_id="max_api",
            batch_size=100,
            hosts=("max.ru",),
            forms=("max.ru/<name>", "<chat id> (e.g. -72000000000001)", "max:<chat id>"),
            default_rate=25.0,  # about 83% of the documented limit: a margin
            rate_limit=30.0,
            url_prefixes=("https://max.ru/", "https://max.ru/"),
            bare_id=r"-\d{1,19}",
            reports_engagement=False,
        ),
    )
}
NAMES: tuple[str, ...] = tuple(PLATFORMS)


def get(name: str) -> Platform:
    """The record of ``name``; ValueError naming the known platforms otherwise."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}: one of {', '.join(NAMES)}") from None


def by_host(host: str) -> Platform | None:
    """The platform whose page addresses use this host, if any."""
    for platform in PLATFORMS.values():
        if host in platform.hosts:
            return platform
    return None


def pools() -> dict[str, str]:
    """Platform → its Airflow pool."""
    return {p.name: p.pool for p in PLATFORMS.values()}


def markdown_table() -> str:
    """The registry as the Markdown table of docs/platforms.md (a test keeps the two equal)."""
    lines = [
        "| platform | API | connection and pool | pages per batch | default rate (req/s) | documented limit "
        "| page addresses |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PLATFORMS.values():
        limit = f"{p.rate_limit:g} req/s" if p.rate_limit else "not documented"
        forms = ", ".join(f"`{form}`" for form in p.forms)
        lines.append(
            f"| `{p.name}` | {p.api_name} | `{p.conn_id}` | {p.batch_size} | {p.default_rate:g} | {limit} | {forms} |"
        )
    return "\n".join(lines) + "\n"
