"""Key generation, CSR and certificate import through the local agent on a SoftHSM2 token.

Starts `python -m tokens.agent` on a throwaway SoftHSM2 token directory, then times each operation as the
portal does it (signed HTTP to 127.0.0.1). A throwaway CA made with `cryptography` issues the certificates.

    .venv/bin/python bench/token_ops.py [--rounds 20]
"""

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tokens.tests.harness import USER_PIN, issue_for_csr, make_softhsm, start_agent, throwaway_ca

SUBJECT = [["C", "BR"], ["O", "ICP-Brasil"], ["OU", "videoconferencia"], ["CN", "BENCH:52998224725"]]


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    softhsm = make_softhsm()
    serial = softhsm.init_token("BENCH")
    agent = start_agent(softhsm, softhsm.directory / "agent.json")
    client = agent.client()
    ca_key, ca_cert = throwaway_ca("AC de bench")
    keygen, csr_times, imports = [], [], []
    try:
        for round_number in range(args.rounds):
            key, elapsed = timed(lambda n=round_number: client.generate_key(serial, pin=USER_PIN, label=f"bench {n}"))
            keygen.append(elapsed)
            pem, elapsed = timed(
                lambda key=key: client.create_csr(serial, pin=USER_PIN, key_id=key["key_id"], subject=SUBJECT)
            )
            csr_times.append(elapsed)
            csr = x509.load_pem_x509_csr(pem.encode())
            certificate = issue_for_csr(csr, ca_key, ca_cert).public_bytes(serialization.Encoding.PEM).decode()
            _, elapsed = timed(
                lambda cert=certificate: client.import_certificate(serial, pin=USER_PIN, certificate_pem=cert)
            )
            imports.append(elapsed)
    finally:
        agent.stop()
        shutil.rmtree(softhsm.directory, ignore_errors=True)
    print(
        f"token_ops keygen_median_ms={statistics.median(keygen):.0f} "
        f"csr_median_ms={statistics.median(csr_times):.0f} import_median_ms={statistics.median(imports):.0f}"
    )


if __name__ == "__main__":
    main()
