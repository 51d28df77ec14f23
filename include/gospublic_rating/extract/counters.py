"""Reading the platforms' counters (views, likes, comments, reposts) into contract values."""

from __future__ import annotations

from typing import Any


def counter(value: Any) -> int:
    """A counter as a non-negative int.

    Absent or unreadable counts as 0. VK's ``{"count": n}`` objects give n; a mapping or list
    of counts (per-emoji reactions) gives their sum.
    """
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, dict) and "count" in value:
        return counter(value["count"])
    if isinstance(value, dict):
        return sum(counter(v) for v in value.values())
    if isinstance(value, list):
        return sum(counter(v) for v in value)
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
