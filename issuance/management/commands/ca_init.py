"""Create the local CA (root, issuing CA, delegated OCSP responder) when missing, and re-wrap its keys when they
are sealed with an older format or other KDF parameters. Safe to run on every start."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from issuance.services.authority import ca_init, ca_keys_rewrap, publication_urls
from issuance.services.publication import crl_latest, crl_publish


class Command(BaseCommand):
    help = "Create the local CA's root, issuing CA and OCSP responder when missing (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--key-size", type=int, default=None, help="RSA bits for new CA keys (CA_KEY_SIZE)")
        parser.add_argument(
            "--export-keys",
            metavar="DIR",
            default=None,
            help="write the active keys, sealed with CA_KEY_PASSPHRASE, to DIR: the files of the CA_KEYS_DIR Secret",
        )

    def handle(self, *args, key_size=None, export_keys=None, **options):
        try:
            result = ca_init(key_size=key_size, export_to=Path(export_keys) if export_keys else None)
            rewrapped = ca_keys_rewrap()
        except ImproperlyConfigured as exc:  # no passphrase, a weak or wrong one, or the chain's end has passed
            raise CommandError(str(exc)) from exc
        if crl_latest(result.issuing) is None:
            crl_publish()
        created = ", ".join(result.created) or "nothing (already there)"
        self.stdout.write(self.style.SUCCESS(f"Local CA ready; created: {created}."))
        if rewrapped:
            self.stdout.write(f"  Keys re-wrapped (Argon2id + AES-256-GCM): {', '.join(ca.name for ca in rewrapped)}")
        if export_keys:
            self.stdout.write(
                f"  Keys written to {export_keys}: kubectl create secret generic tecnosign-ca-keys "
                f"--from-file={export_keys} (then delete the directory)"
            )
        urls = publication_urls(result.issuing)
        for authority in (result.root, result.issuing, result.ocsp):
            until = timezone.localtime(authority.not_after)
            self.stdout.write(f"  {authority.get_role_display():<26} {authority.subject} (até {until:%d/%m/%Y %H:%M})")
        self.stdout.write(f"  CRL:  {urls.crl}\n  OCSP: {urls.ocsp}")
