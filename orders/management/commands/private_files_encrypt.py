"""Encrypt in place the private files stored in clear before encryption at rest existed (audited, idempotent)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from orders.services.private_files import private_files_encrypt


class Command(BaseCommand):
    help = "Encrypt every private file still stored in clear, under the first PRIVATE_STORAGE_MASTER_KEYS key."

    def handle(self, *args, **options):
        try:
            report = private_files_encrypt()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        for outcome, count in sorted(report.counts.items()):
            self.stdout.write(f"  {outcome}: {count}")
        for failure in report.failures:
            self.stderr.write(f"  failed: {failure}")
        if report.failures:
            raise CommandError(f"{len(report.failures)} file(s) could not be read; nothing else was left in clear.")
        self.stdout.write(self.style.SUCCESS(f"{report.counts['done']} file(s) encrypted."))
