"""Rating periods: calendar months in Moscow time (docs/methodology.md, "Period")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .errors import NotRetryable

MOSCOW = ZoneInfo("Europe/Moscow")
# ASCII digits only: \d and int() would also take full-width and other Unicode digits.
_PERIOD_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
# The law requiring official pages came into force in December 2022: nothing to rate before.
FIRST = (2022, 12)


class PeriodError(NotRetryable, ValueError):
    """A period that is malformed or not yet complete."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(str(text).strip())
        if not match:
            raise PeriodError(f"period {text!r} is not a month in the form YYYY-MM (e.g. 2026-10)")
        period = cls(int(match.group(1)), int(match.group(2)))
        if (period.year, period.month) < FIRST:
            raise PeriodError(
                f"period {period} is before {cls(*FIRST)}, when the law on official pages came into force"
            )
        return period

    @classmethod
    def last_complete_before(cls, moment: datetime) -> Period:
        """The last calendar month that ended before ``moment`` (Moscow time)."""
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        local = moment.astimezone(MOSCOW)
        return cls(local.year, local.month).previous()

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    @property
    def start(self) -> datetime:
        """First instant of the period: the 1st, 00:00 Moscow time (timezone-aware)."""
        return datetime(self.year, self.month, 1, tzinfo=MOSCOW)

    @property
    def end(self) -> datetime:
        """First instant after the period (exclusive bound)."""
        following = self.next()
        return datetime(following.year, following.month, 1, tzinfo=MOSCOW)

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    def require_complete(self, now: datetime) -> Period:
        """Raise PeriodError unless the period ended before ``now``."""
        last = Period.last_complete_before(now)
        if self > last:
            # compared as months: the end of a month far ahead (9999-12) is not a datetime
            raise PeriodError(f"period {self} is not complete yet (Moscow time); the last complete month is {last}")
        return self

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
