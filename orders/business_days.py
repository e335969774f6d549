"""Brazilian business days: weekends and national holidays (from the `holidays` package) are off."""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Brazil(years=year, language="pt_BR"))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _national_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The business day `days` business days after `start` (start itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current
