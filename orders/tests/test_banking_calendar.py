"""FEBRABAN banking days: what boleto due dates and clearing count."""

from datetime import date

import pytest

from orders.business_days import add_business_days, is_business_day


def test_carnival_monday_and_tuesday_are_not_banking_days():
    # Given Carnival 2027 on 8–9 February (national holidays per `holidays` leave them working days)
    assert not is_business_day(date(2027, 2, 8))
    assert not is_business_day(date(2027, 2, 9))
    # Ash Wednesday is a banking day (the banks open at noon)
    assert is_business_day(date(2027, 2, 10))
    # Then Friday + 3 banking days skips the weekend and Carnival
    assert add_business_days(date(2027, 2, 5), 3) == date(2027, 2, 12)


def test_corpus_christi_is_not_a_banking_day():
    assert not is_business_day(date(2027, 5, 27))
    assert add_business_days(date(2027, 5, 26), 1) == date(2027, 5, 28)
    assert not is_business_day(date(2026, 6, 4))
    assert add_business_days(date(2026, 6, 3), 2) == date(2026, 6, 8)


def test_carnival_2026():
    assert not is_business_day(date(2026, 2, 16))
    assert not is_business_day(date(2026, 2, 17))
    assert add_business_days(date(2026, 2, 13), 1) == date(2026, 2, 18)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 31 December has no public banking service, 1 January is a holiday: 30 Dec 2026 (Wed) + 1 → 4 Jan 2027
        (date(2026, 12, 30), 1, date(2027, 1, 4)),
        # 31 Dec 2027 is a Friday; 1 Jan 2028 a Saturday
        (date(2027, 12, 30), 1, date(2028, 1, 3)),
        # National holidays still count: Tiradentes (21 Apr 2027, Wednesday)
        (date(2027, 4, 20), 1, date(2027, 4, 22)),
    ],
)
def test_year_boundary_and_national_holidays(start, days, expected):
    assert add_business_days(start, days) == expected


def test_new_years_eve_is_not_a_banking_day():
    assert not is_business_day(date(2026, 12, 31))
    assert is_business_day(date(2026, 12, 30))
