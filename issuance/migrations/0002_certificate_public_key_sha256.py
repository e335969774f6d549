"""Certificates remember their public key's SHA-256, so that one key is certified once."""

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import migrations, models


def fill_public_key_fingerprints(apps, schema_editor):
    Certificate = apps.get_model("issuance", "Certificate")
    for certificate in Certificate.objects.filter(public_key_sha256__isnull=True).only("pk", "certificate_pem"):
        public_key = x509.load_pem_x509_certificate(certificate.certificate_pem.encode()).public_key()
        spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        certificate.public_key_sha256 = hashlib.sha256(spki).hexdigest()
        certificate.save(update_fields=["public_key_sha256"])


class Migration(migrations.Migration):
    dependencies = [("issuance", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="public_key_sha256",
            field=models.CharField(max_length=64, null=True, verbose_name="SHA-256 da chave pública"),
        ),
        migrations.RunPython(fill_public_key_fingerprints, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificate",
            name="public_key_sha256",
            field=models.CharField(max_length=64, unique=True, verbose_name="SHA-256 da chave pública"),
        ),
    ]
