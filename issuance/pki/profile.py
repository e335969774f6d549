"""Certificate profiles: the local root and issuing CA, the delegated OCSP responder, and the holder's
certificate with DOC-ICP-04's content (ICP-BRASIL.md, "Certificate content")."""

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from .names import HolderIdentity, subject_alternative_names, subject_name


@dataclass(frozen=True)
class PublicationUrls:
    """Where the portal serves the issuer's CRL, its OCSP responder and its certificate."""

    crl: str
    ocsp: str
    ca_issuers: str


def ca_name(common_name: str, *, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


_KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",  # nonRepudiation
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _builder(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: RSAPublicKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None = None,
    ca: bool,
    usage: tuple[str, ...],
) -> x509.CertificateBuilder:
    """What every profile has: names, key, validity, basicConstraints and keyUsage (both critical), the bits in
    `usage` set and the others clear."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(**{bit: bit in usage for bit in _KEY_USAGE_BITS}), critical=True)
    )


def _key_ids(builder: x509.CertificateBuilder, subject_key: RSAPublicKey, issuer_key: RSAPublicKey):
    return builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key), critical=False).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False
    )


def _publication(builder: x509.CertificateBuilder, urls: PublicationUrls | None):
    if urls is None:
        return builder
    return builder.add_extension(
        x509.CRLDistributionPoints(
            [x509.DistributionPoint([x509.UniformResourceIdentifier(urls.crl)], None, None, None)]
        ),
        critical=False,
    ).add_extension(
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(urls.ocsp)),
                x509.AccessDescription(
                    AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(urls.ca_issuers)
                ),
            ]
        ),
        critical=False,
    )


def ca_certificate(
    *,
    subject: x509.Name,
    public_key: RSAPublicKey,
    issuer: x509.Name,
    issuer_key: RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
    urls: PublicationUrls | None = None,
) -> x509.Certificate:
    """A CA certificate (self-signed when `issuer` is `subject`), RFC 5280 §4.2.1.9 and §4.2.1.3."""
    builder = _builder(
        subject=subject,
        issuer=issuer,
        public_key=public_key,
        serial=x509.random_serial_number(),
        not_before=not_before,
        not_after=not_after,
        ca=True,
        path_length=path_length,
        usage=("key_cert_sign", "crl_sign"),
    )
    builder = _publication(_key_ids(builder, public_key, issuer_key.public_key()), urls)
    return builder.sign(issuer_key, hashes.SHA256())


def ocsp_responder_certificate(
    *,
    subject: x509.Name,
    public_key: RSAPublicKey,
    issuer_cert: x509.Certificate,
    issuer_key: RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """A delegated responder (RFC 6960 §4.2.2.2): id-kp-OCSPSigning, and id-pkix-ocsp-nocheck (§4.2.2.2.1)."""
    builder = (
        _builder(
            subject=subject,
            issuer=issuer_cert.subject,
            public_key=public_key,
            serial=x509.random_serial_number(),
            not_before=not_before,
            not_after=not_after,
            ca=False,
            usage=("digital_signature",),
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
    )
    return _key_ids(builder, public_key, issuer_key.public_key()).sign(issuer_key, hashes.SHA256())


def holder_certificate(
    *,
    identity: HolderIdentity,
    public_key: RSAPublicKey,
    issuer_cert: x509.Certificate,
    issuer_key: RSAPrivateKey,
    issuing_ca_name: str,
    ar_cnpj: str,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    urls: PublicationUrls,
) -> x509.Certificate:
    """The e-CPF / e-CNPJ certificate: DOC-ICP-04's subject, otherNames, key usages, policy, CRL and OCSP."""
    builder = (
        _builder(
            subject=subject_name(identity, issuing_ca=issuing_ca_name, ar_cnpj=ar_cnpj),
            issuer=issuer_cert.subject,
            public_key=public_key,
            serial=serial,
            not_before=not_before,
            not_after=not_after,
            ca=False,
            usage=("digital_signature", "content_commitment", "key_encipherment"),
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(identity.policy_oid), None)]),
            critical=False,
        )
        .add_extension(subject_alternative_names(identity), critical=False)
    )
    builder = _publication(_key_ids(builder, public_key, issuer_key.public_key()), urls)
    return builder.sign(issuer_key, hashes.SHA256())
