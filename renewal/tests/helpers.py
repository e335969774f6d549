"""Certificates issued at a chosen time, for the renewal tests."""

from datetime import timedelta

import time_machine

from revocation.tests.helpers import brt, issue_a1

ISSUED_AT = brt(2026, 3, 10, 10, 0)


def issued(on_commit, **fields):
    """An A1 order issued on 10/03/2026 (12 months: it ends on 10/03/2027)."""
    return issue_a1(on_commit, at=ISSUED_AT, **fields)


def before_end(certificate, days: float):
    """A clock `days` before the certificate's end, that stands still."""
    return time_machine.travel(certificate.not_after - timedelta(days=days), tick=False)
