"""A1 issuance, the server's part: the browser's request (PKCS#10) checked and its key certified, through
`a1_issue_from_csr`, the service the issuance page's request endpoint calls after the issuance password.

The key pair, the request and the PKCS#12 are the customer's browser's (the browser test,
tecnosign/tests/e2e/test_a1_browser.py, prints the customer's wait): here the keys and requests are made before the
clock starts, and the server's part is timed over BENCH_RUNS runs (default 60) on released orders. Django's password
check (the first of PASSWORD_HASHERS, Argon2id: a deliberate cost against guessing) is timed on its own line.
Ends with: a1_issuance_server median_ms=<N> p95_ms=<N>
"""

import os
import statistics
import time
from datetime import date

from _django import check, percentile, rolled_back
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from issuance.services.a1 import a1_delivery, a1_issue_from_csr
from issuance.services.authority import ca_init
from issuance.services.handoff import issuance_request_send, issuance_submit
from orders.catalog import catalog_load
from orders.models import Order, Product
from orders.services.passwords import secret_matches
from tecnosign.audit.services import Actor

RUNS = int(os.environ.get("BENCH_RUNS", "60"))
WARMUP = 3
PASSWORD = "Emissao#2026"  # noqa: S105 (a benchmark order's password)


def released_order(product: Product, password_hash: str, n: int) -> tuple[Order, object]:
    order = Order.objects.create(
        product=product,
        status=Order.Status.VERIFIED,
        person_name=f"Pessoa de Teste {n}",
        person_cpf="52998224725",
        person_birth_date=date(1985, 4, 12),
        email=f"bench{n}@exemplo.com.br",
        mobile="+5511987654321",
        pis_nis="12056478915",
        issuance_password_hash=password_hash,
        revocation_password_hash=password_hash,
        list_price=product.price,
        price=product.price,
        lgpd_consent_at=timezone.now(),
        lgpd_consent_version="bench",
    )
    request = issuance_submit(order)
    issuance_request_send(request_id=request.pk)
    order.refresh_from_db()
    request.refresh_from_db()
    check(order.status == Order.Status.RELEASED, "the local CA released the order")
    return order, request


NAME_OIDS = {
    "C": NameOID.COUNTRY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
}


def browser_request(order: Order) -> str:
    """What the issuance page's script sends: a fresh RSA key's request with the subject the portal gives."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NAME_OIDS[kind], value) for kind, value in a1_delivery(order).subject])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def main() -> None:
    with rolled_back():
        ca_init()
        catalog_load()
        product = Product.objects.get(code="e-cpf-a1-12m")
        password_hash = make_password(PASSWORD)
        actor = Actor(label="bench")
        checks = []
        for _ in range(5):
            start = time.perf_counter()
            check(secret_matches(PASSWORD, password_hash), "the password matches")
            checks.append((time.perf_counter() - start) * 1000)
        timings = []
        for n in range(WARMUP + RUNS):
            order, _ = released_order(product, password_hash, n)
            csr = browser_request(order)
            start = time.perf_counter()
            issued = a1_issue_from_csr(order=order, csr_pem=csr, actor=actor)
            elapsed = (time.perf_counter() - start) * 1000
            check(issued.certificate.order_id == order.pk and len(issued.chain_pems) == 2, "a certificate was issued")
            if n >= WARMUP:
                timings.append(elapsed)
    hasher = password_hash.split("$", 1)[0]
    print(f"a1_password_check median_ms={statistics.median(checks):.0f} hasher={hasher} (before issuance)")
    print(f"a1_issuance_server median_ms={statistics.median(timings):.0f} p95_ms={percentile(timings, 0.95):.0f}")


if __name__ == "__main__":
    main()
