"""Shared set-up for the benchmarks: Django on the configured database, work rolled back at the end."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tecnosign.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Migrate, then run the block in a transaction that is rolled back: the benchmark leaves no rows behind."""
    call_command("migrate", verbosity=0)
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def check(condition: bool, what: str) -> None:
    """The benchmark measured the wrong thing if this fails: stop instead of printing a number."""
    if not condition:
        raise SystemExit(f"benchmark check failed: {what}")
