"""Reading the platforms' numbers (counters, ids, timestamps) into contract values."""

from __future__ import annotations

from typing import Any


def to_int(value: Any) -> int | None:
    """``value`` as an int, or None when it is absent or not a number (a bool is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def counter(value: Any) -> int:
    """A counter as a non-negative int.

    Absent or unreadable counts as 0. VK's ``{"count": n}`` objects give n; a mapping or list
    of counts (per-emoji reactions) gives their sum.
    """
    if isinstance(value, dict) and "count" in value:
        return counter(value["count"])
    if isinstance(value, dict):
        return sum(counter(v) for v in value.values())
    if isinstance(value, list):
        return sum(counter(v) for v in value)
    number = to_int(value)
    return max(number, 0) if number is not None else 0
