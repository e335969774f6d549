"""Helpers for the A3 issuance tests: released A3 orders, CSRs made in Python, the portal's JSON endpoints."""

import base64
import contextlib

from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID
from django.db import transaction

from issuance.models import IssuanceRequest
from issuance.services import issuance_submit
from issuance.services.handoff import issuance_mark_media_delivered
from orders.models import Order
from orders.tests.factories import A3TokenProductFactory, OrderFactory
from tecnosign.audit.services import SYSTEM

ISSUANCE_PASSWORD = "Emissao#2026"  # the order factory's
HOLDER_CN = "MARIA DA SILVA:52998224725"  # the order factory's holder, as DOC-ICP-04 writes it


def released_a3_order(run_on_commit=contextlib.nullcontext, *, delivered: bool = True, **fields) -> Order:
    """A verified A3 order handed to the local CA (which releases at once); its media delivered unless told not.

    `run_on_commit`: the `on_commit` fixture in TestCase-style tests, nothing when the test commits for real.
    """
    fields.setdefault("product", A3TokenProductFactory())
    order = OrderFactory(status=Order.Status.VERIFIED, **fields)
    with run_on_commit(), transaction.atomic():
        issuance_submit(order)
    if delivered:
        with run_on_commit():
            issuance_mark_media_delivered(request=IssuanceRequest.objects.get(order=order), actor=SYSTEM)
    order.refresh_from_db()
    return order


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def csr_pem(key, common_name: str = HOLDER_CN) -> str:
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(common_name)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def sha1_csr_pem(key, common_name: str = HOLDER_CN) -> str:
    """A request signed with SHA-1, which old tools still make (`cryptography` refuses to: assembled by hand)."""
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.load(_name(common_name).public_bytes()),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(spki),
            "attributes": [],
        }
    )
    signature = key.sign(info.dump(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (the weak hash is the point)
    request = asn1_csr.CertificationRequest(
        {"certification_request_info": info, "signature_algorithm": {"algorithm": "sha1_rsa"}, "signature": signature}
    )
    return _pem(request.dump())


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"


def with_broken_signature(pem: str) -> str:
    """The same request with one bit of its signature flipped: it still parses, it no longer verifies."""
    der = bytearray(x509.load_pem_x509_csr(pem.encode()).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01
    return _pem(bytes(der))


def authorise(client, order: Order, password: str = ISSUANCE_PASSWORD):
    return client.post(
        f"/pedido/{order.number}/instalar/autorizar/", {"password": password}, content_type="application/json"
    )


def send_csr(client, order: Order, csr):
    return client.post(f"/pedido/{order.number}/instalar/csr/", {"csr": csr}, content_type="application/json")
