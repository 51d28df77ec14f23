"""OK (ok.ru): groups through the OK API (``api.py``, ``planner.py``, ``parser.py``, ``urls.py``).

The names of :class:`gospublic_rating.platforms.PlatformPlugin`; the API client and the
planner are imported when an extractor is made, not with the package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .urls import page_from_id, page_from_url

__all__ = ["make_extractor", "page_from_id", "page_from_url", "parse"]


def make_extractor(**options: Any):
    """The OK call planner with the account of the Airflow connection ``ok_api``."""
    from .api import OkApi
    from .planner import OkExtractor

    return OkExtractor(OkApi.from_connection(**options))


def parse(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """page_stats and posts rows from the landing records of one batch (see :mod:`.parser`)."""
    from .parser import parse as parse_batch

    return parse_batch(records)
