"""After a master key rotation: re-wrap every private file's data key under the first key (audited, idempotent)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from orders.services.private_files import private_files_rewrap


class Command(BaseCommand):
    help = (
        "Re-wrap the data key of every private file under the first PRIVATE_STORAGE_MASTER_KEYS key, rewriting "
        "headers only (the content is not re-encrypted). Drop an old key from the list only after a clean run."
    )

    def handle(self, *args, **options):
        try:
            report = private_files_rewrap()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        for outcome, count in sorted(report.counts.items()):
            self.stdout.write(f"  {outcome}: {count}")
        for failure in report.failures:
            self.stderr.write(f"  failed: {failure}")
        if report.failures:
            raise CommandError(f"{len(report.failures)} file(s) could not be re-wrapped: keep the old keys.")
        self.stdout.write(self.style.SUCCESS(f"{report.counts['done']} data key(s) re-wrapped."))
