"""A CRL of 100,000 revoked certificates through the service production uses (crl_publish, as after each
revocation and on the schedule), then OCSP answers per second through the responder's service.

Ends with: crl entries=100000 seconds=<N> ocsp_per_s=<N>
"""

import os
import random
import time
from datetime import timedelta

from _django import check, rolled_back
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.utils import timezone

from issuance.models import LocalCaCertificate
from issuance.pki.ocsp import issuer_hashes
from issuance.services.authority import ca_init, signing_material
from issuance.services.publication import crl_publish, ocsp_respond

ENTRIES = int(os.environ.get("BENCH_CRL_ENTRIES", "100000"))
OCSP_SECONDS = float(os.environ.get("BENCH_OCSP_SECONDS", "5"))
REASONS = [1, 3, 4, 5, 9]


def main() -> None:
    with rolled_back():
        issuing = ca_init().issuing
        now = timezone.now()
        serials = [x509.random_serial_number() for _ in range(ENTRIES)]
        LocalCaCertificate.objects.bulk_create(
            (
                LocalCaCertificate(
                    authority=issuing,
                    serial=format(serial, "X"),
                    not_after=now + timedelta(days=365),
                    issued_at=now - timedelta(days=30),
                    revoked_at=now - timedelta(seconds=n),
                    reason=random.choice(REASONS),
                )
                for n, serial in enumerate(serials)
            ),
            batch_size=5000,
        )

        signing_material(issuing)  # a worker decrypts the CA key once per process, not per publication
        start = time.perf_counter()
        published = crl_publish()
        seconds = time.perf_counter() - start
        check(published.entries >= ENTRIES, "every revoked entry is in the CRL")

        issuing_cert = x509.load_pem_x509_certificate(issuing.certificate_pem.encode())
        name_hash, key_hash = issuer_hashes(issuing_cert, hashes.SHA1())  # noqa: S303 (what clients send)
        requests = [
            ocsp.OCSPRequestBuilder()
            .add_certificate_by_hash(name_hash, key_hash, serial, hashes.SHA1())  # noqa: S303
            .build()
            .public_bytes(serialization.Encoding.DER)
            for serial in random.sample(serials, 200)
        ]
        answered = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < OCSP_SECONDS:
            response = ocsp.load_der_ocsp_response(ocsp_respond(requests[answered % len(requests)]))
            check(response.certificate_status == ocsp.OCSPCertStatus.REVOKED, "OCSP says revoked")
            answered += 1
    print(f"crl entries={ENTRIES} seconds={seconds:.2f} ocsp_per_s={answered / elapsed:.0f}")


if __name__ == "__main__":
    main()
