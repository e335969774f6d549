"""How long a certificate lasts: the product's months, never past the end of the ICP-Brasil V5 chain."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Validity:
    start: date
    end: date
    nominal_end: date

    @property
    def capped(self) -> bool:
        return self.end < self.nominal_end


def certificate_validity(months: int, start: date | None = None) -> Validity:
    start = start or timezone.localdate()
    nominal_end = start + relativedelta(months=months)
    return Validity(start=start, end=min(nominal_end, settings.ICP_CHAIN_END), nominal_end=nominal_end)
