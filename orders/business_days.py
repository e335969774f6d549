"""Brazilian banking days (FEBRABAN), the calendar boleto due dates and clearing count.

Off: weekends, national holidays (from the `holidays` package) and the days FEBRABAN's calendar closes the banks
although they are not national holidays — Carnival Monday and Tuesday and Corpus Christi (optional points in the
federal calendar, which `holidays.Brazil` rightly leaves out) and 31 December, when banks open no service to the
public (a boleto due that day is paid on the next banking day without charges). Ash Wednesday is a banking day (the
banks open at noon), so it counts. Municipal and state holidays are not counted: clearing is national.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    easter_sunday = easter(year)
    banking_only = {
        easter_sunday - timedelta(days=48),  # Carnival Monday
        easter_sunday - timedelta(days=47),  # Carnival Tuesday
        easter_sunday + timedelta(days=60),  # Corpus Christi
        date(year, 12, 31),  # no public banking service
    }
    return frozenset(holidays.Brazil(years=year, language="pt_BR")) | banking_only


def is_business_day(day: date) -> bool:
    """Whether `day` is a banking day in Brazil."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The banking day `days` banking days after `start` (start itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current
