from django.core.management.base import BaseCommand, CommandError

from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Seal pending audit events, then recompute the hash chain and report any tampering."

    def handle(self, *args, **options):
        audit_seal()
        problems = list(audit_verify())
        total = AuditEvent.objects.count()
        for problem in problems:
            self.stderr.write(f"position {problem.position} (event {problem.event_id}): {problem.reason}")
        if problems:
            raise CommandError(f"audit log is NOT intact: {len(problems)} problem(s) in {total} events")
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {total} events verified"))
