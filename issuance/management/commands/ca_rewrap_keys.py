"""Re-encrypt the CA keys stored in an older format or with other KDF parameters (audited, idempotent)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from issuance.pki.keys import current_kdf_parameters
from issuance.services.authority import ca_keys_rewrap


class Command(BaseCommand):
    help = "Re-wrap the local CA's keys with Argon2id + AES-256-GCM at the current CA_KEY_KDF_* parameters."

    def handle(self, *args, **options):
        try:
            rewrapped = ca_keys_rewrap()
        except ImproperlyConfigured as exc:  # no passphrase, a weak one, or one that does not open a key
            raise CommandError(str(exc)) from exc
        parameters = ", ".join(f"{name}={value}" for name, value in current_kdf_parameters().items())
        if not rewrapped:
            self.stdout.write(f"Every CA key is already sealed with Argon2id ({parameters}).")
            return
        for authority in rewrapped:
            self.stdout.write(f"  re-wrapped {authority.get_role_display()}: {authority.name}")
        self.stdout.write(self.style.SUCCESS(f"{len(rewrapped)} key(s) re-wrapped with Argon2id ({parameters})."))
