"""Boleto bancário (FEBRABAN layout): the 44-digit barcode and the 47-digit typeable line.

Barcode: bank (3) + currency 9 + general check digit + due factor (4) + amount in cents (10) + free field (25).
Line: three fields with mod-10 check digits, the general mod-11 digit, then factor + amount.
The due factor counts days since 1997-10-07 and restarted at 1000 on 2025-02-22.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

_BASE_DATE = date(1997, 10, 7)


@dataclass(frozen=True)
class Boleto:
    barcode: str
    line: str

    @property
    def line_formatted(self) -> str:
        line = self.line
        return (
            f"{line[0:5]}.{line[5:10]} {line[10:15]}.{line[15:21]} {line[21:26]}.{line[26:32]} {line[32]} {line[33:47]}"
        )


def due_factor(due: date) -> int:
    days = (due - _BASE_DATE).days
    return (days - 1000) % 9000 + 1000


def mod10(digits: str) -> int:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        product = int(digit) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def mod11_general(digits: str) -> int:
    total = sum(int(digit) * (2 + index % 8) for index, digit in enumerate(reversed(digits)))
    check = 11 - total % 11
    return 1 if check in (0, 10, 11) else check


def boleto_build(*, bank: str, amount: Decimal, due: date, free_field: str) -> Boleto:
    if len(bank) != 3 or not bank.isdigit() or len(free_field) != 25 or not free_field.isdigit():
        raise ValueError("bank must be 3 digits and the free field 25 digits")
    cents = int((amount * 100).to_integral_value())
    if not 0 < cents < 10**10:
        raise ValueError("amount out of range for a boleto")
    tail = f"{due_factor(due):04d}{cents:010d}"
    without_dv = f"{bank}9{tail}{free_field}"
    dv = mod11_general(without_dv)
    barcode = f"{bank}9{dv}{tail}{free_field}"
    field1 = f"{bank}9{free_field[0:5]}"
    field2 = free_field[5:15]
    field3 = free_field[15:25]
    line = f"{field1}{mod10(field1)}{field2}{mod10(field2)}{field3}{mod10(field3)}{dv}{tail}"
    return Boleto(barcode=barcode, line=line)


def barcode_from_line(line: str) -> str:
    """What a bank's app does with a typed line: rebuild the barcode (checks are the caller's)."""
    return line[0:4] + line[32] + line[33:47] + line[4:9] + line[10:20] + line[21:31]
