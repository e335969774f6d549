"""The browser's defences: a Content-Security-Policy and a Permissions-Policy on every answer, nonces on the few inline
scripts, files framed only by the portal's own pages, and the violation reports logged (tecnosign.security_headers).
The bad-input sweep (faults/test_bad_input.py) checks the CSP header on every URL of the URLConf; the browser tests
(e2e/test_csp.py) check that the main pages raise no violation."""

import json
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Order
from orders.tests.factories import LinkFactory, OrderFactory, UserFactory
from orders.tests.files import clean_pdf
from tecnosign.security_headers import REPORTS_PER_IP
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def permissions(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


@pytest.fixture
def pages(client, customer):
    """One of each kind of page: public, the customer's order, the partner's area, the back office, the API docs."""
    link = LinkFactory()
    order = OrderFactory(link=link)
    customer(order)
    staff = UserFactory(username="chefe@ts.test", is_staff=True, is_superuser=True)
    return {
        "home": (client, "/"),
        "lookup": (client, "/pedido/"),
        "link": (client, f"/l/{link.code}/"),
        "help": (client, "/ajuda/"),
        "partner login": (client, "/parceiros/entrar/"),
        "token": (client, "/token/"),
        "order": (client, f"/pedido/{order.number}/"),
        "not found": (client, "/nao-existe/"),
        "admin login": (client, "/admin/login/"),
        "api docs": (client, "/api/docs/"),
        "api redoc": (client, "/api/redoc/"),
        "api schema": (client, "/api/schema/"),
        "admin": ("staff", "/admin/"),
        "admin orders": ("staff", "/admin/orders/order/"),
        "_staff": staff,
    }


def test_every_kind_of_page_has_a_strict_csp_and_the_powerful_features_off(pages, client):
    staff = pages.pop("_staff")
    for name, (who, path) in pages.items():
        if who == "staff":
            staff_login(client, staff)
            who = client
        response = who.get(path)
        assert response.status_code in (200, 404), (name, response.status_code)
        policy = directives(response)
        assert policy["default-src"] == ["'none'"], name
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], name
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"], name
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], name
        assert "'unsafe-inline'" not in policy["style-src"], name
        assert policy["report-uri"] == ["/csp-report/"], name
        assert permissions(response)["camera"] == "()" and permissions(response)["microphone"] == "()", name


def test_the_swagger_ui_init_script_runs_by_the_request_nonce_only(client):
    # When the API docs are opened twice
    first, second = client.get("/api/docs/"), client.get("/api/docs/")

    # Then the inline init script and style carry the nonce of their own answer's header, new each time
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'<script nonce="{nonce}">' in response.text and f'<style nonce="{nonce}">' in response.text
        assert re.findall(r"<script(?![^>]*\b(?:src|nonce)=)", response.text) == []
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_redoc_loads_nothing_from_another_origin(client):
    response = client.get("/api/redoc/")

    assert response.status_code == 200
    assert "googleapis" not in response.text and "https://" not in response.text.replace("https://github", "")
    assert re.findall(r'src="([^"]+)"', response.text) == [
        "/static/api/redoc-csp.js",
        "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ]
    assert re.findall(r"<script(?![^>]*\bsrc=)", response.text) == []  # no inline script at all
    assert "blob:" in directives(response)["worker-src"]  # its search worker, on this page only


def test_the_token_pages_alone_may_reach_the_local_agent(client, customer):
    token_page = client.get("/token/")
    home = client.get("/")

    assert "http://127.0.0.1:*" in directives(token_page)["connect-src"]
    assert directives(home)["connect-src"] == ["'self'"]


def test_a_document_file_may_be_framed_by_the_portal_only_and_stays_sandboxed(client, customer):
    # Given a document a customer uploaded, opened by a superuser (the dossier frames it)
    order = OrderFactory(status=Order.Status.PAID)
    customer(order).post(
        f"/pedido/{order.number}/documentos/",
        {"kind": "identity", "identity_type": "rg", "files": SimpleUploadedFile("rg.pdf", clean_pdf())},
    )
    document = order.documents.get()
    staff_login(client, UserFactory(username="chefe@ts.test", is_staff=True, is_superuser=True))

    response = client.get(f"/retaguarda/documentos/{document.public_id}/arquivo/")

    # Then its own policy replaces the portal's: sandboxed, loads nothing, framed by the portal's pages only
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'; frame-ancestors 'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


# --- the violation reports ---------------------------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://portal.test/pedido/acesso/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/?cpf=52998224725",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js?session=abc",
        "source-file": "https://portal.test/static/tokens/agente.js",
        "line-number": 12,
        "disposition": "enforce",
    }
}


def test_a_reported_violation_is_logged_as_one_structured_line_without_tokens_or_query(client, caplog):
    with caplog.at_level(logging.WARNING, logger="tecnosign.csp"):
        response = client.post("/csp-report/", json.dumps(REPORT), content_type="application/csp-report")

    assert response.status_code == 204
    [record] = caplog.records
    line = record.getMessage()
    assert line.startswith("csp violation directive=script-src-elem blocked=https://evil.example/x.js ")
    assert "document=https://portal.test/pedido/acesso/[token]/ " in line
    assert "source=https://portal.test/static/tokens/agente.js line=12 disposition=enforce" in line
    assert "52998224725" not in line and "session=abc" not in line and "AbCdEfGh" not in line


def test_a_reporting_api_batch_is_logged_too(client, caplog):
    batch = [
        {"type": "csp-violation", "body": {"effectiveDirective": "img-src", "blockedURL": "https://t.example/p.gif"}},
        {"type": "deprecation", "body": {"id": "x"}},
    ]
    with caplog.at_level(logging.WARNING, logger="tecnosign.csp"):
        response = client.post("/csp-report/", json.dumps(batch), content_type="application/reports+json")

    assert response.status_code == 204
    assert [r.getMessage().split(" blocked=")[0] for r in caplog.records] == ["csp violation directive=img-src"]


@pytest.mark.parametrize(
    "body", [b"", b"{", b"null", b"[]", b'{"csp-report": 1}', b"\xff\xfe", b"[" * 60_000, b'"x"', b"{}" * 1000]
)
def test_garbage_is_ignored_without_a_log_line_nor_a_5xx(client, caplog, body):
    with caplog.at_level(logging.WARNING):
        response = client.post("/csp-report/", body, content_type="application/csp-report")

    assert response.status_code == 204
    assert not caplog.records  # neither a violation nor a django.request warning: junk cannot flood the log


def test_the_report_endpoint_takes_posts_only_and_refuses_a_large_body(client):
    assert client.get("/csp-report/").status_code == 405
    big = json.dumps({"csp-report": {"blocked-uri": "x" * 70_000}})
    assert client.post("/csp-report/", big, content_type="application/csp-report").status_code == 413


def test_reports_past_the_limit_of_an_address_are_accepted_but_not_logged(client, caplog):
    with caplog.at_level(logging.WARNING, logger="tecnosign.csp"):
        answers = {
            client.post("/csp-report/", json.dumps(REPORT), content_type="application/csp-report").status_code
            for _ in range(REPORTS_PER_IP + 5)
        }

    assert answers == {204}
    assert len(caplog.records) == REPORTS_PER_IP
