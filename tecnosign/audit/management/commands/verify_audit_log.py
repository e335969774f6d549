from django.core.management.base import BaseCommand, CommandError

from tecnosign.audit.services import audit_seal, audit_verify_report, sealed_files_verify


class Command(BaseCommand):
    help = (
        "Seal pending audit events, then recompute the hash chain, hold it against every signed checkpoint in "
        "AUDIT_CHECKPOINT_SINK, check every file sealed into the chain (the holders' dossiers) against its recorded "
        "digest, and report any tampering."
    )
    # An auditor runs this with only AUDIT_CHECKPOINT_VERIFY_KEY, where the check demanding a signing key would stop it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="only verify, sealing nothing: for a read-only database role (an auditor's)",
        )

    def handle(self, *args, **options):
        if not options["no_seal"]:
            audit_seal()
        report = audit_verify_report()
        for problem in report.problems:
            self.stderr.write(f"position {problem.position} (event {problem.event_id}): {problem.reason}")
        sealed = sealed_files_verify()
        for files in sealed:
            for problem in files.problems:
                self.stderr.write(problem)
        if report.problems:
            raise CommandError(f"audit log is NOT intact: {len(report.problems)} problem(s) in {report.events} events")
        if broken := [files for files in sealed if files.problems]:
            raise CommandError(
                "sealed files are NOT intact: "
                + "; ".join(f"{len(files.problems)} problem(s) in {files.checked} {files.what}" for files in broken)
            )
        if report.last_checkpoint:
            anchored = (
                f"{report.checkpoints} signed checkpoint(s) in {report.sink} match, "
                f"the last at position {report.last_checkpoint.position} ({report.last_checkpoint.at})"
            )
        else:
            anchored = f"no signed checkpoint in {report.sink} yet: the chain was checked against itself only"
            self.stderr.write(self.style.WARNING(anchored))
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {report.events} events verified; {anchored}"))
        for files in sealed:
            self.stdout.write(self.style.SUCCESS(f"{files.checked} {files.what} intact"))
