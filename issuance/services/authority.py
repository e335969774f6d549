"""The local CA's key material: created once by `manage.py ca_init`, loaded (and cached) to sign."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record

from ..models import CertificateAuthority
from ..pki import keystore
from ..pki.keys import decrypt_private_key, encrypt_private_key, key_needs_rewrap, key_protection
from ..pki.keystore import CaNotReady
from ..pki.profile import PublicationUrls, ca_certificate, ca_name, ocsp_responder_certificate

Role = CertificateAuthority.Role

# ICP-Brasil-style names that cannot be mistaken for the real chain.
ROOT_NAME = "Autoridade Certificadora Raiz TecnoSign Local/Dev v5"
ISSUING_NAME = "AC TecnoSign Local/Dev v5"
OCSP_NAME = "Respondedor OCSP AC TecnoSign Local/Dev v5"
ROOT_UNIT = "TecnoSign Local/Dev - somente testes - sem valor juridico"
SLUGS = {Role.ROOT: "raiz-tecnosign-dev-v5", Role.ISSUING: "ac-tecnosign-dev-v5"}
# A delegated responder lives a year and is replaced by ca_init during its last month.
OCSP_RESPONDER_LIFETIME = timedelta(days=365)
OCSP_RESPONDER_RENEW_BEFORE = timedelta(days=30)

KeySource = Callable[[Role, int], RSAPrivateKey]


@dataclass(frozen=True)
class SigningMaterial:
    authority_id: int
    certificate: x509.Certificate
    key: RSAPrivateKey


# Decrypted keys per process, by certificate fingerprint: decrypting costs a KDF run and an RSA key check.
_material_cache: dict[str, SigningMaterial] = {}


def _new_key(role: Role, size: int) -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def chain_end() -> datetime:
    """The last second of ICP_CHAIN_END in Brasília: no certificate of the chain outlives it."""
    return timezone.make_aware(datetime.combine(settings.ICP_CHAIN_END, time(23, 59, 59)))


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _make_key(role: Role, size: int, slug: str, key_source: KeySource) -> tuple[RSAPrivateKey, str]:
    """A new CA key and what its row stores (CA_KEY_STORE): the sealed key, or a reference to the file or token."""
    store = keystore.store_name()
    if store == "pkcs11":  # made on the token, never in this process's memory
        return keystore.generate_on_token(slug, size)
    key = key_source(role, size)
    if store == "secret":
        return key, keystore.reference("secret", file=keystore.secret_file_name(slug))
    return key, encrypt_private_key(key)


def _store(
    *,
    role: Role,
    slug: str,
    name: str,
    cert: x509.Certificate,
    key: RSAPrivateKey,
    stored: str,
    actor: Actor,
    parent=None,
):
    authority = CertificateAuthority.objects.create(
        slug=slug,
        role=role,
        name=name,
        subject=cert.subject.rfc4514_string(),
        parent=parent,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=stored,
        serial=format(cert.serial_number, "X"),
        fingerprint_sha256=_fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
    # The key is in hand: no need to decrypt what was just encrypted.
    _material_cache[authority.fingerprint_sha256] = SigningMaterial(authority.pk, cert, key)
    audit_record(
        action="ca.created",
        obj=authority,
        actor=actor,
        after={"role": role.value, "subject": authority.subject, "serial": authority.serial},
    )
    return authority


@dataclass(frozen=True)
class CaInitResult:
    root: CertificateAuthority
    issuing: CertificateAuthority
    ocsp: CertificateAuthority
    created: list[str]


def ca_init(
    *,
    key_size: int | None = None,
    key_source: KeySource = _new_key,
    export_to: Path | None = None,
    actor: Actor = SYSTEM,
) -> CaInitResult:
    """Make whatever of root, issuing CA and OCSP responder is missing (idempotent); check what exists opens.

    `export_to`: write the active authorities' keys there, sealed, as the files of the CA_KEYS_DIR Secret. With
    CA_KEY_STORE=secret a new key can only be made with it (the mounted Secret is read-only); a token's keys never
    leave it, so CA_KEY_STORE=pkcs11 refuses it.
    """
    key_size = key_size or settings.CA_KEY_SIZE
    now = timezone.now().replace(microsecond=0)
    end = chain_end()
    if end <= now:
        raise CaNotReady(f"ICP_CHAIN_END ({settings.ICP_CHAIN_END}) has passed: the local chain cannot be made.")
    store = keystore.store_name()
    if export_to is not None and store == "pkcs11":
        raise CaNotReady("CA_KEY_STORE=pkcs11: the keys are non-extractable and cannot be exported.")
    created: list[str] = []
    with transaction.atomic():
        active = {
            ca.role: ca for ca in CertificateAuthority.objects.select_for_update().filter(active=True).order_by("pk")
        }
        if store == "secret" and export_to is None and _needs_new_key(active, now):
            raise CaNotReady(
                "CA_KEY_STORE=secret: a new CA key is due but the mounted Secret is read-only; run "
                "`manage.py ca_init --export-keys DIR` and put DIR's files into the CA key Secret."
            )
        root = active.get(Role.ROOT)
        if root is None:
            key, stored = _make_key(Role.ROOT, key_size, SLUGS[Role.ROOT], key_source)
            subject = ca_name(ROOT_NAME, unit=ROOT_UNIT)
            cert = ca_certificate(
                subject=subject,
                public_key=key.public_key(),
                issuer=subject,
                issuer_key=key,
                not_before=now,
                not_after=end,
                path_length=1,
            )
            root = _store(
                role=Role.ROOT, slug=SLUGS[Role.ROOT], name=ROOT_NAME, cert=cert, key=key, stored=stored, actor=actor
            )
            created.append("root")
        issuing = active.get(Role.ISSUING)
        if issuing is None:
            root_material = signing_material(root)
            key, stored = _make_key(Role.ISSUING, key_size, SLUGS[Role.ISSUING], key_source)
            cert = ca_certificate(
                subject=ca_name(ISSUING_NAME, unit=ROOT_NAME),
                public_key=key.public_key(),
                issuer=root_material.certificate.subject,
                issuer_key=root_material.key,
                not_before=now,
                not_after=min(end, root.not_after),
                path_length=0,
            )
            issuing = _store(
                role=Role.ISSUING,
                slug=SLUGS[Role.ISSUING],
                name=ISSUING_NAME,
                cert=cert,
                key=key,
                stored=stored,
                actor=actor,
                parent=root,
            )
            created.append("issuing")
        responder = active.get(Role.OCSP)
        if (
            responder is None
            or responder.parent_id != issuing.pk
            or responder.not_after - now < OCSP_RESPONDER_RENEW_BEFORE
        ):
            if responder is not None:
                responder.active = False
                responder.save(update_fields=["active"])
            issuing_material = signing_material(issuing)
            slug = f"ocsp-{now:%Y%m%d%H%M%S}"
            key, stored = _make_key(Role.OCSP, 2048, slug, key_source)
            cert = ocsp_responder_certificate(
                subject=ca_name(OCSP_NAME, unit=ISSUING_NAME),
                public_key=key.public_key(),
                issuer_cert=issuing_material.certificate,
                issuer_key=issuing_material.key,
                not_before=now,
                not_after=min(now + OCSP_RESPONDER_LIFETIME, issuing.not_after),
            )
            responder = _store(
                role=Role.OCSP,
                slug=slug,
                name=OCSP_NAME,
                cert=cert,
                key=key,
                stored=stored,
                actor=actor,
                parent=issuing,
            )
            created.append("ocsp")
    if export_to is not None:
        for authority in (root, issuing, responder):
            keystore.write_secret_file(export_to, authority.slug, signing_material(authority).key)
    for authority in (root, issuing, responder):
        signing_material(authority)  # proves every key opens (passphrase, mounted Secret, token)
    return CaInitResult(root=root, issuing=issuing, ocsp=responder, created=created)


def _needs_new_key(active: dict, now: datetime) -> bool:
    responder = active.get(Role.OCSP)
    return (
        Role.ROOT not in active
        or Role.ISSUING not in active
        or responder is None
        or responder.parent_id != active[Role.ISSUING].pk
        or responder.not_after - now < OCSP_RESPONDER_RENEW_BEFORE
    )


def _load_key(authority: CertificateAuthority) -> RSAPrivateKey:
    """The row's reference decides (a token key is on the token whatever the setting); a sealed row is read from
    CA_KEYS_DIR when CA_KEY_STORE=secret (after `--export-keys`), from the row otherwise."""
    record = keystore.parse_reference(authority.private_key_pem)
    if record is not None and record["store"] == "pkcs11":
        return keystore.load_token_key(record)
    if record is not None or keystore.store_name() == "secret":
        return keystore.load_secret_key(authority.slug)
    return decrypt_private_key(authority.private_key_pem)


def signing_material(authority: CertificateAuthority) -> SigningMaterial:
    """The certificate and key of `authority` (decrypted, or a handle on the token)."""
    material = _material_cache.get(authority.fingerprint_sha256)
    if material is None:
        try:
            key = _load_key(authority)
        except ImproperlyConfigured as exc:  # no passphrase, or one too weak for production; no token
            raise CaNotReady(str(exc)) from exc
        except keystore.KeyUnavailable as exc:
            raise CaNotReady(f"The key of {authority.name} is unavailable: {exc}.") from exc
        except (ValueError, TypeError) as exc:
            raise CaNotReady(f"CA_KEY_PASSPHRASE does not open the key of {authority.name}.") from exc
        certificate = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
        if key.public_key() != certificate.public_key():
            raise CaNotReady(f"The key found for {authority.name} does not match its certificate.")
        material = SigningMaterial(authority_id=authority.pk, certificate=certificate, key=key)
        _material_cache[authority.fingerprint_sha256] = material
    return material


def ca_keys_rewrap(*, actor: Actor = SYSTEM) -> list[CertificateAuthority]:
    """Re-encrypt every stored CA key (retired ones too) not sealed with the current format and KDF parameters.

    Keys stored as PKCS#8 PEM (PBKDF2 at 2,048 rounds) become Argon2id + AES-256-GCM. Needs the passphrase, so a
    management command does it (`ca_rewrap_keys`, and `ca_init` on every deploy), never a data migration. The
    key itself is unchanged, so the signing-material cache, keyed by certificate, stays valid.
    """
    rewrapped = []
    with transaction.atomic():
        for authority in CertificateAuthority.objects.select_for_update().order_by("pk"):
            stored = authority.private_key_pem
            if keystore.parse_reference(stored) is not None or not key_needs_rewrap(stored):
                continue
            try:
                key = decrypt_private_key(stored)
            except ImproperlyConfigured as exc:  # no passphrase, or one too weak for production
                raise CaNotReady(str(exc)) from exc
            except (ValueError, TypeError) as exc:
                raise CaNotReady(f"CA_KEY_PASSPHRASE does not open the key of {authority.name}.") from exc
            authority.private_key_pem = encrypt_private_key(key)
            authority.save(update_fields=["private_key_pem"])
            audit_record(
                action="ca.key_rewrapped",
                obj=authority,
                actor=actor,
                before=key_protection(stored),
                after=key_protection(authority.private_key_pem),
            )
            rewrapped.append(authority)
    return rewrapped


def active_authority(role: Role) -> CertificateAuthority:
    authority = CertificateAuthority.objects.select_related("parent").filter(role=role, active=True).first()
    if authority is None:
        raise CaNotReady("The local CA has not been created: run `manage.py ca_init`.")
    return authority


def publication_urls(authority: CertificateAuthority) -> PublicationUrls:
    """The portal's own URLs for what `authority` signs: named in its certificates, served by issuance.views."""
    base = settings.SITE_URL
    return PublicationUrls(
        crl=base + reverse("issuance:crl", args=[authority.slug]),
        ocsp=base + reverse("issuance:ocsp"),
        ca_issuers=base + reverse("issuance:ca-certificate", args=[authority.slug]),
    )
