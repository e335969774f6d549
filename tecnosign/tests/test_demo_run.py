"""`make run` on a port other than 8000, as a newcomer starts it: the links printed (the e-mails' too) and the
closing box name that port, the box comes last with the URLs and the accounts, nothing warns about a broker that is
not used, and a certificate the demo issues names that port in its CRL and OCSP addresses.

One demo for the module: the Makefile's own `run` target (SQLite in a throwaway folder, tasks in-process), with the
virtualenv and the PKI.js bundle taken as built (`make test` built them)."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID
from django.conf import settings

BOX_END = "└"
OCSP = AuthorityInformationAccessOID.OCSP
PREPARE = r"""
import json
from django.db import transaction
from issuance.services import issuance_submit
from issuance.tests.helpers import browser_csr
from orders.models import Order
from orders.services.access import order_access_url

order = Order.objects.get(email="demo-agendado@exemplo.com.br")
# Straight to "verified" (the agent's and the verifier's steps are other tests'): the CA hand-off is the service's.
Order.objects.filter(pk=order.pk).update(status=Order.Status.VERIFIED)
order.refresh_from_db()
with transaction.atomic():
    issuance_submit(order)
_, csr = browser_csr(order)
print("PREPARED " + json.dumps({"number": order.number, "access": order_access_url(order), "csr": csr}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port != 8000
    return port


def demo_environment(var_dir) -> dict:
    """A newcomer's shell: no database, broker or site URL configured; a throwaway folder for SQLite and files."""
    unset = {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "SITE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    env = {name: value for name, value in os.environ.items() if name not in unset}
    # Small CA keys, cheaply wrapped: the demo made in seconds (what is checked is where they point).
    env.update(TECNOSIGN_VAR_DIR=str(var_dir), CA_KEY_SIZE="2048", CA_KEY_KDF_MEMORY_KIB="1024", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port = free_port()
    env = demo_environment(tmp_path_factory.mktemp("demo-var"))
    make = ["make", "--no-print-directory", "-o", ".venv/.runtime", "-o", "static/vendor/pki.js", "run"]
    server = subprocess.Popen(  # noqa: S603 (our own Makefile)
        [*make, f"PORT={port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: runserver's reloader child is stopped with it
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    try:
        while True:
            assert server.poll() is None, "make run stopped:\n" + "".join(lines[-60:])
            assert time.monotonic() < deadline, "make run did not serve in time:\n" + "".join(lines[-60:])
            try:
                if requests.get(f"{base}/l/democomissao/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        yield {"port": port, "base": base, "lines": lines, "env": env}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def set_up_output(demo) -> str:
    """Everything printed before make starts the development server (its command line, echoed by make)."""
    text = "".join(demo["lines"])
    return text.split("manage.py runserver")[0].rsplit("\n", 1)[0]


def test_the_links_printed_name_the_port_served(demo):
    output = set_up_output(demo)
    port = demo["port"]

    # the box's links, the partner's links in the summary, the CA's addresses and the e-mails' links
    assert f"http://127.0.0.1:{port}/l/democomissao/" in output
    assert f"CRL:  http://127.0.0.1:{port}/ac/" in output and f"OCSP: http://127.0.0.1:{port}/ac/ocsp" in output
    assert re.search(rf"http://127\.0\.0\.1:{port}/pedido/", output)  # an e-mailed link to an order
    assert ":8000" not in output


def test_the_box_comes_last_with_the_urls_and_the_accounts(demo):
    output = set_up_output(demo).rstrip("\n")
    box = output[output.rindex("┌") :]
    base = demo["base"]

    # the very end of the set-up is the box: after the e-mails and the CA's lines
    assert box.endswith(BOX_END + "─" * (len(box.splitlines()[0]) - 2) + "┘")
    assert output.rindex("Content-Type:") < output.rindex("┌") and output.index("Local CA ready") < output.rindex("┌")
    for needle in (f"{base}/l/democomissao/", f"{base}/admin/", f"{base}/parceiros/", "verificador", "agente"):
        assert needle in box
    assert re.search(r"│ admin +password ts-\S+ +│", box)

    # and the root certificate it names is served
    root_url = re.search(r"Root certificate +(\S+)", box)[1]
    assert root_url.startswith(base)
    answer = requests.get(root_url, timeout=10)
    assert answer.status_code == 200
    root = x509.load_der_x509_certificate(answer.content)
    assert "Raiz TecnoSign" in root.subject.rfc4514_string()


def test_nothing_warns_about_a_broker_in_the_embedded_default(demo):
    output = "".join(demo["lines"])
    assert "No hostname was supplied" not in output
    assert not [line for line in output.splitlines() if " WARNING " in line and "kombu" in line]
    # and nothing at all warns while the demo is set up (runserver's own "development server" notice comes after)
    assert not [line for line in set_up_output(demo).splitlines() if "WARNING" in line or "Warning:" in line]


def test_a_certificate_the_demo_issues_names_the_port_in_its_crl_and_ocsp_addresses(demo):
    # given a demo order handed to the local CA (prepared in the demo's own database)
    prepared = subprocess.run(  # noqa: S603
        [str(settings.BASE_DIR / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", PREPARE],
        cwd=settings.BASE_DIR,
        env={**demo["env"], "SITE_URL": demo["base"]},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    order = json.loads(prepared.stdout.split("PREPARED ", 1)[1])

    # when the customer opens it from the link and asks the served portal for the certificate
    web = requests.Session()
    access = order["access"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', web.get(access, timeout=10).text)[1]
    assert web.post(access, data={"csrfmiddlewaretoken": token}, timeout=10).status_code == 200
    headers = {"X-CSRFToken": web.cookies["csrftoken"], "Accept": "application/json"}
    issue = f"{demo['base']}/pedido/{order['number']}/emitir"
    authorised = web.post(f"{issue}/autorizar/", json={"password": "Emissao#Demo1"}, headers=headers, timeout=30)
    assert authorised.status_code == 200, authorised.text
    answer = web.post(f"{issue}/csr/", json={"csr": order["csr"]}, headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    certificate = x509.load_pem_x509_certificate(answer.json()["certificate"].encode())

    # then its CRL and OCSP addresses are on the port served
    points = certificate.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    crl = [name.value for point in points for name in point.full_name]
    access_info = certificate.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    ocsp = [item.access_location.value for item in access_info if item.access_method == OCSP]
    assert crl and all(url.startswith(f"{demo['base']}/ac/") for url in crl)
    assert ocsp == [f"{demo['base']}/ac/ocsp"]
