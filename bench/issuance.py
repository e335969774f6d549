"""A1 issuance: key pair + certificate + PKCS#12, through the service the order page's view calls.

`a1_issue` (the view's service) checks the issuance password and then calls `a1_issue_certificate`, timed
here over BENCH_RUNS runs (default 60) on released orders. Django's password check (the first of
PASSWORD_HASHERS, Argon2id: a deliberate cost against guessing) is timed on its own line.
Ends with: a1_issuance median_ms=<N> p95_ms=<N>
"""

import os
import statistics
import time
from datetime import date

from _django import check, percentile, rolled_back
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from issuance.services.a1 import a1_issue_certificate
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
            order, request = released_order(product, password_hash, n)
            start = time.perf_counter()
            delivery = a1_issue_certificate(request=request, order=order, password=PASSWORD, actor=actor)
            elapsed = (time.perf_counter() - start) * 1000
            check(bool(delivery.pkcs12), "a PKCS#12 was made")
            if n >= WARMUP:
                timings.append(elapsed)
    hasher = password_hash.split("$", 1)[0]
    print(f"a1_password_check median_ms={statistics.median(checks):.0f} hasher={hasher} (before issuance)")
    print(f"a1_issuance median_ms={statistics.median(timings):.0f} p95_ms={percentile(timings, 0.95):.0f}")


if __name__ == "__main__":
    main()
