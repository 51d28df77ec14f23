from datetime import UTC, datetime

import pytest
from gospublic_rating.period import Period, PeriodError


def test_parse_and_format():
    assert str(Period.parse("2026-01")) == "2026-01"
    assert Period.parse(" 2026-12 ") == Period(2026, 12)


@pytest.mark.parametrize(
    "text",
    ["2026-13", "2026-1", "26-01", "2026/01", "", "январь", "１２３４-10", "２０２６-10", "2026-１０", "٢٠٢٦-10"],
)
def test_parse_rejects_malformed(text):
    with pytest.raises(PeriodError, match="YYYY-MM"):
        Period.parse(text)


def test_bounds_are_moscow_midnight():
    october = Period(2026, 10)
    # Moscow is UTC+3 all year: the month starts at 21:00 UTC on the last day before it.
    assert october.start_utc == datetime(2026, 9, 30, 21, 0, tzinfo=UTC)
    assert october.end_utc == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert Period(2026, 12).end_utc == datetime(2026, 12, 31, 21, 0, tzinfo=UTC)


def test_last_complete_month_uses_moscow_time():
    # 2026-11-30 22:30 UTC is already 1 December in Moscow: November is complete.
    assert Period.last_complete_before(datetime(2026, 11, 30, 22, 30, tzinfo=UTC)) == Period(2026, 11)
    # 2026-11-30 20:30 UTC is still 30 November in Moscow: October is the last complete month.
    assert Period.last_complete_before(datetime(2026, 11, 30, 20, 30, tzinfo=UTC)) == Period(2026, 10)
    assert Period.last_complete_before(datetime(2027, 1, 2, tzinfo=UTC)) == Period(2026, 12)


def test_incomplete_period_is_refused():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert Period(2026, 10).require_complete(now) == Period(2026, 10)
    with pytest.raises(PeriodError, match="not complete"):
        Period(2026, 11).require_complete(now)
    with pytest.raises(PeriodError, match="not complete"):
        Period(2027, 3).require_complete(now)


@pytest.mark.parametrize("text", ["0000-01", "1999-12", "2022-11"])
def test_months_before_the_law_are_refused(text):
    with pytest.raises(PeriodError, match="before 2022-12"):
        Period.parse(text)


def test_first_month_of_the_law_is_accepted():
    assert Period.parse("2022-12") == Period(2022, 12)


def test_far_future_month_is_refused_without_crashing():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    with pytest.raises(PeriodError, match="not complete yet.*last complete month is 2026-10"):
        Period.parse("9999-12").require_complete(now)
