"""Hostile input at every URL: never a 500, and never half a write.

Every URL of the URLConf (the admin aside, and the partners' API, which schemathesis explores from its OpenAPI
schema in partners/tests/test_api_schema.py) has a target here; `test_every_url_is_swept` fails when a new one
has none. A target's fields are read from the form that posts to it on its page, so a new field is swept too.

Each example takes the form's own values and spoils some: empty, 100k characters, NUL bytes, lone surrogates
and invalid UTF-8, RTL overrides and zero-width characters, combining marks, full-width digits, SQL and HTML
injection, repeated or missing fields, a file where text is expected. The answer must not be a 5xx, and a
refusal must leave every table as it was; what is accepted must be a valid whole row (`full_clean`).
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuance.models import Certificate, CertificateAuthority
from orders.models import Order, Payment
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sign
from orders.services.access import SESSION_KEY
from orders.services.checkout import HolderData, order_create_for_holder
from orders.tests.factories import LinkFactory, OrderFactory, PartnerFactory, UserFactory, valid_cpf
from renewal.services.links import renewal_token
from revocation.tests.helpers import (
    CPF,
    ISSUANCE_PASSWORD,
    NEW_ISSUANCE_PASSWORD,
    NEW_REVOCATION_PASSWORD,
    REISSUE_LINK,
    REVOCATION_PASSWORD,
    STOP_LINK,
    URGENT_LINK,
    confirm_reissue,
    e_mailed_link,
    issue_a1,
    texted_code,
)
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.audit.services import Actor
from tecnosign.notifications.models import OutboxMessage
from tecnosign.tests.auth import staff_login
from tokens.tests.a3 import released_a3_order

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

BRT = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 19, 9, 10, tzinfo=BRT)  # a Thursday morning: slots from Monday on
EXAMPLES = 25
PASSWORD = "senha-de-teste-123"
PARTNER_LOGIN = "ana@contab.com.br"

# Values no form should trust. Lone surrogates and invalid UTF-8 travel as raw bytes (see `_encode`).
NASTY = [
    "",
    " ",
    "\x00",
    "12345\x00678",
    "x" * 100_000,
    "9" * 5_000,
    "'; DROP TABLE orders_order; --",
    "' OR '1'='1",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "\u202egnp.exe",  # right-to-left override
    "52998\u200b224725",  # a zero-width space inside a CPF
    "\ufeff52998224725",
    "a" + "\u0301" * 200,  # combining marks
    "５２９９８２２４７２５",  # full-width digits
    "٥٢٩٩٨٢٢٤٧٢٥",  # Arabic-Indic digits
    "\ud800",  # a lone surrogate
    "\udfff abc",
    "😀" * 50,
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "../../../../etc/passwd",
    "%00",
    "\r\nX-Injected: 1",
    "2026-02-30T25:61",
    "9999-12-31T23:59",
]
INVALID_UTF8 = [b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"\x80abc"]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.sampled_from(INVALID_UTF8))
JSON_VALUES = st.one_of(
    st.sampled_from([v for v in NASTY if not re.search(r"[\ud800-\udfff]", v)]),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)

# Signature headers as a forger writes them (HTTP headers arrive as latin-1 text).
SIGNATURES = st.one_of(
    st.sampled_from(["", "t=1,v1=00", "t=,v1=", "t=1,v1=é", "t=99999999999999999999,v1=ab", "t=1," + "v1=a" * 5000]),
    st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80),
)


# --- the scene: one of each thing a form acts on ---------------------------------------------------------


@dataclass
class Scene:
    clients: dict[str, Client]
    orders: dict[str, Order]
    certificate: Certificate
    partner_order: Order
    holder_order: Order  # a partner's order waiting for its holder
    holder_token: str  # the confirmation link's token e-mailed to that holder
    link_code: str
    product_code: str
    reset_path: str
    staff_pk: int
    ca_slug: str
    # The one-time links of the holder's inbox (paths) and the SMS codes that go with them.
    links: dict[str, str]
    codes: dict[str, str]
    replacement: str  # a same-holder reissue waiting for its holder (its order number)


def _customer(orders) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = [order.number for order in orders]
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


@pytest.fixture
def scene(local_ca, settings, django_capture_on_commit_callbacks):
    # Locks would turn later examples into 429s and hide what an unlocked form does with the input.
    settings.ORDER_LOOKUP_MAX_FAILURES = settings.A1_PASSWORD_MAX_FAILURES = 10**6
    settings.REVOCATION_PASSWORD_MAX_FAILURES = settings.HOLDER_LINK_SEND_MAX_PER_IP = 10**6
    settings.HOLDER_LINK_SEND_MAX_PER_ORDER = settings.HOLDER_LINK_CODE_MAX_FAILURES = 10**6
    run_on_commit = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    with time_machine.travel(NOW, tick=False):
        make_agent("ana.agente")
        partner_user = UserFactory(username=PARTNER_LOGIN)
        partner_user.set_password(PASSWORD)
        partner_user.save()
        partner = PartnerFactory(user=partner_user)
        link = LinkFactory(partner=partner)
        orders = {
            "awaiting": OrderFactory(link=link, person_cpf=valid_cpf(901)),
            "paid": OrderFactory(status=Order.Status.PAID, person_cpf=valid_cpf(902)),
            "ready": ready_order(person_cpf=valid_cpf(903)),
            "released": OrderFactory(status=Order.Status.VERIFIED, person_cpf=valid_cpf(904)),
            "a3": released_a3_order(run_on_commit, person_cpf=valid_cpf(905)),
        }
        partner_order = ready_order(link=link, person_cpf=valid_cpf(906))
        holder_order = order_create_for_holder(
            link=link,
            product_code=orders["awaiting"].product.code,
            holder=HolderData(
                person_name="Rui Titular",
                person_cpf=valid_cpf(907),
                person_birth_date=date(1979, 3, 4),
                email="rui@exemplo.com.br",
                mobile="+5511987654321",
            ),
            actor=Actor(label="API tsk_teste"),
        )
        holder_token = re.search(
            r"/pedido/confirmar/([^/\s]+)/", OutboxMessage.objects.get(kind="holder_confirmation").body_text
        ).group(1)
        customer = _customer(orders.values())
        with run_on_commit():
            customer.post(f"/pedido/{orders['awaiting'].number}/pagamento/", {"method": "pix"})
            from issuance.services import issuance_submit

            issuance_submit(orders["released"])
        _, certificate = issue_a1(run_on_commit, at=NOW, person_cpf=CPF)
        customer.post("/revogar/", {"identifier": certificate.serial, "document": CPF})
        with run_on_commit():
            Client().post("/revogar/urgente/", {"identifier": certificate.serial})
        links = {"urgent": e_mailed_link(certificate.order, URGENT_LINK)}
        codes = {"urgent": texted_code(certificate.order)}
        # Two same-holder reissues: one waiting for its holder, one confirmed and held (its "Não fui eu" link).
        waiting, held = (_reissued(run_on_commit, n) for n in (1, 2))
        links["reissue"], codes["reissue"] = e_mailed_link(waiting, REISSUE_LINK), texted_code(waiting)
        confirm_reissue(Client(), held, run_on_commit)
        links["stop"] = e_mailed_link(held, STOP_LINK)
        session = customer.session
        session[SESSION_KEY] = [*session[SESSION_KEY], waiting.number]
        session.save()
        partner_client = Client()
        partner_client.force_login(partner_user)
        staff = UserFactory(username="suporte", is_staff=True, is_superuser=True)
        staff_client = Client()
        staff_login(staff_client, staff)
        uid = urlsafe_base64_encode(force_bytes(partner_user.pk))
        anyone = Client()
        # Django trades the e-mailed token for a session and sends the visitor to the set-password form.
        reset_path = anyone.get(f"/parceiros/senha/{uid}/{default_token_generator.make_token(partner_user)}/")[
            "Location"
        ]
    yield Scene(
        clients={"anyone": anyone, "customer": customer, "partner": partner_client, "staff": staff_client},
        orders=orders,
        certificate=certificate,
        partner_order=partner_order,
        holder_order=holder_order,
        holder_token=holder_token,
        link_code=link.code,
        product_code=orders["awaiting"].product.code,
        ca_slug=CertificateAuthority.objects.get(role=CertificateAuthority.Role.ISSUING).slug,
        reset_path=reset_path,
        staff_pk=staff.pk,
        links=links,
        codes=codes,
        replacement=waiting.number,
    )


def _reissued(run_on_commit, n: int) -> Order:
    """An A1 revoked with "lost password" inside its guarantee: the replacement waits for its holder's proof."""
    cpf, mobile = valid_cpf(960 + n), f"+55119876500{n:02d}"
    order, certificate = issue_a1(run_on_commit, at=NOW, person_cpf=cpf, mobile=mobile, email=f"r{n}@exemplo.com.br")
    revoker = Client()
    revoker.post("/revogar/", {"identifier": order.number, "document": cpf})
    data = {"reason": "password_lost", "password": REVOCATION_PASSWORD, "confirm": "on"}
    with run_on_commit():
        assert revoker.post(f"/revogar/{certificate.serial}/", data).status_code == 302
    return Order.objects.get(replaces=order)


# --- targets: how to reach each URL, and what its form sends -------------------------------------------------


@dataclass
class Target:
    path: Callable[[Scene], str]
    who: str = "customer"
    page: Callable[[Scene], str] | None = None  # where the form is; default: `path` itself
    kind: str = "form"  # form | get (a query string) | json | raw (bytes) | webhook
    # A valid submission's values the page does not give (passwords, names); a callable takes the scene.
    fields: dict | Callable[[Scene], dict] = field(default_factory=dict)
    accepts: bool = False  # the page's values with `fields` are accepted (checked last: it may change the scene)
    form: bool = True  # False: no form posts here; junk is posted all the same
    action: Callable[[Scene], str] | None = None  # the form's action, when it is not `path` (a filter's export)
    prepare: Callable[[Scene], None] | None = None  # bring the scene to the state that shows the form


def o(name: str) -> Callable[[Scene], str]:
    return lambda s: s.orders[name].number


def cert(s: Scene) -> str:
    return s.certificate.serial


TARGETS: dict[str, Target] = {
    # customers
    "home": Target(lambda s: "/", who="anyone", form=False),
    "healthz": Target(lambda s: "/healthz", who="anyone", form=False),
    "favicon": Target(lambda s: "/favicon.ico", who="anyone", form=False),
    "readyz": Target(lambda s: "/readyz", who="anyone", form=False),
    # Prometheus: refused (401) without the bearer token, whatever is sent.
    "metrics": Target(lambda s: "/metrics", who="anyone", form=False),
    # Browsers' CSP violation reports: any JSON, or none, from anyone.
    "csp-report": Target(lambda s: "/csp-report/", who="anyone", kind="json", fields={"csp-report": ""}),
    "orders:link": Target(lambda s: f"/l/{s.link_code}/", who="anyone", form=False),
    "orders:checkout": Target(
        lambda s: f"/l/{s.link_code}/{s.product_code}/",
        who="anyone",
        fields={
            "person_name": "Joana Teste",
            "person_cpf": valid_cpf(950),
            "person_birth_date": "1980-05-10",
            "email": "joana@exemplo.com.br",
            "mobile": "(11) 98765-4321",
            **{f"issuance_password{s}": "Emissao#2026x" for s in ("", "_confirm")},
            **{f"revocation_password{s}": "Revoga#2026y" for s in ("", "_confirm")},
        },
        accepts=True,
    ),
    "orders:lookup": Target(
        lambda s: "/pedido/",
        who="anyone",
        fields=lambda s: {"number": o("awaiting")(s), "document": s.orders["awaiting"].person_cpf},
        accepts=True,
    ),
    "orders:access": Target(lambda s: "/pedido/acesso/eyJvIjoxfQ:abc:def/", who="anyone", form=False),
    "orders:access-link": Target(
        lambda s: "/pedido/link/",
        who="anyone",
        page=lambda s: "/pedido/",
        fields=lambda s: {"number": o("awaiting")(s)},
        accepts=True,
    ),
    "orders:detail": Target(lambda s: f"/pedido/{o('awaiting')(s)}/", form=False),
    "orders:holder-confirm": Target(
        lambda s: f"/pedido/confirmar/{s.holder_token}/",
        who="anyone",
        fields={
            **{f"issuance_password{s}": "Emissao#2026x" for s in ("", "_confirm")},
            **{f"revocation_password{s}": "Revoga#2026y" for s in ("", "_confirm")},
        },
        accepts=True,
    ),
    "orders:holder-decline": Target(
        lambda s: f"/pedido/confirmar/{s.holder_token}/dados-errados/",
        who="anyone",
        page=lambda s: f"/pedido/confirmar/{s.holder_token}/",
        accepts=True,
    ),
    "orders:pay": Target(
        lambda s: f"/pedido/{o('awaiting')(s)}/pagamento/", page=lambda s: f"/pedido/{o('awaiting')(s)}/", accepts=True
    ),
    "orders:pay-card": Target(
        lambda s: f"/pedido/{o('awaiting')(s)}/pagamento/cartao/",
        page=lambda s: f"/pedido/{o('awaiting')(s)}/",
        fields={"number": "4242 4242 4242 4242", "holder_name": "JOANA TESTE", "expiry": "12/30", "cvv": "123"},
        accepts=True,
    ),
    # The sandbox's "pay now" button (development and staging only; the suite runs as staging): it reads no field.
    "orders:pay-simulate": Target(lambda s: f"/pedido/{o('awaiting')(s)}/pagamento/simular/", form=False),
    "orders:documents": Target(
        lambda s: f"/pedido/{o('paid')(s)}/documentos/", page=lambda s: f"/pedido/{o('paid')(s)}/"
    ),
    # The customer's withdrawal (CDC art. 49): junk, a missing confirmation or no paid charge never cancels anything.
    "orders:withdraw": Target(lambda s: f"/pedido/{o('paid')(s)}/desistir/", form=False),
    "orders:term-pdf": Target(lambda s: f"/pedido/{o('paid')(s)}/termo.pdf", form=False),
    # The printable boleto of the live charge (none on this order: 404 whatever is sent).
    "orders:boleto-pdf": Target(lambda s: f"/pedido/{o('awaiting')(s)}/boleto.pdf", form=False),
    "orders:term-accept": Target(
        lambda s: f"/pedido/{o('paid')(s)}/termo/",
        page=lambda s: f"/pedido/{o('paid')(s)}/",
        fields={"accept": "on"},
        accepts=True,
    ),
    "orders:payment-webhook": Target(lambda s: "/payments/webhooks/sandbox/", who="anyone", kind="webhook"),
    # The API Pix callback (a PSP's `pix[]`): without the proxy's client-certificate header it is refused, whatever
    # the body.
    "orders:payment-webhook-pix": Target(
        lambda s: "/payments/webhooks/api_pix/pix", who="anyone", kind="json", fields={"pix": ""}
    ),
    "orders:document-file": Target(
        lambda s: "/retaguarda/documentos/6f1c2a4e-0d9b-4c7e-9a55-3b8e2f7d1c00/arquivo/", who="staff", form=False
    ),
    "scheduling:book": Target(lambda s: f"/pedido/{o('ready')(s)}/agendar/", accepts=True),
    "scheduling:cancel": Target(lambda s: f"/pedido/{o('ready')(s)}/agendar/cancelar/", form=False),
    "scheduling:invite": Target(lambda s: f"/pedido/{o('ready')(s)}/agendar/convite.ics", form=False),
    "scheduling:access": Target(lambda s: f"/pedido/{o('ready')(s)}/agendar/acesso/abc/", who="anyone", form=False),
    "scheduling:partner-book": Target(
        lambda s: f"/parceiros/pedidos/{s.partner_order.number}/agendar/",
        who="partner",
        fields=lambda s: {"mobile": s.partner_order.mobile},
        accepts=True,
    ),
    "scheduling:partner-cancel": Target(
        lambda s: f"/parceiros/pedidos/{s.partner_order.number}/agendar/cancelar/", who="partner", form=False
    ),
    # A1: the page's script makes the key and sends only JSON (the password, then the request); the page has no POST.
    "issuance:a1-issue": Target(lambda s: f"/pedido/{o('released')(s)}/emitir/", form=False),
    "issuance:a1-authorise": Target(
        lambda s: f"/pedido/{o('released')(s)}/emitir/autorizar/", kind="json", fields={"password": ISSUANCE_PASSWORD}
    ),
    "issuance:a1-csr": Target(lambda s: f"/pedido/{o('released')(s)}/emitir/csr/", kind="json", fields={"csr": ""}),
    "issuance:crl": Target(lambda s: f"/ac/{s.ca_slug}.crl", who="anyone", form=False),
    "issuance:ca-certificate": Target(lambda s: f"/ac/{s.ca_slug}.crt", who="anyone", form=False),
    "issuance:ocsp": Target(lambda s: "/ac/ocsp", who="anyone", kind="raw"),
    "issuance:ocsp-get": Target(lambda s: "/ac/ocsp/MAA=", who="anyone", form=False),
    "revocation:lookup": Target(
        lambda s: "/revogar/", who="anyone", fields=lambda s: {"identifier": cert(s), "document": CPF}, accepts=True
    ),
    "revocation:certificate": Target(
        lambda s: f"/revogar/{cert(s)}/",
        fields={"reason": "access_withdrawn", "password": REVOCATION_PASSWORD, "confirm": "on"},
        accepts=True,
    ),
    "revocation:letter-request": Target(
        lambda s: f"/revogar/{cert(s)}/carta/",
        page=lambda s: f"/revogar/{cert(s)}/",
        fields={
            "reason": "access_withdrawn",
            **{f"new_revocation_password{s}": "Nova#Senha2026" for s in ("", "_confirm")},
            "confirm": "on",
        },
        accepts=True,
    ),
    "revocation:letter-download": Target(lambda s: f"/revogar/{cert(s)}/carta.pdf", form=False),
    "revocation:letter-send": Target(
        lambda s: f"/revogar/{cert(s)}/carta/envio/",
        page=lambda s: f"/revogar/{cert(s)}/",
        fields={"letter": b"%PDF-1.4"},
        prepare=lambda s: _letter_requested(s),
    ),
    "revocation:letter-cancel": Target(lambda s: f"/revogar/{cert(s)}/carta/cancelar/", form=False),
    "revocation:letter-file": Target(
        lambda s: "/retaguarda/revogacoes/6f1c2a4e-0d9b-4c7e-9a55-3b8e2f7d1c00/carta/", who="staff", form=False
    ),
    "revocation:urgent-request": Target(
        lambda s: "/revogar/urgente/",
        who="anyone",
        page=lambda s: "/revogar/",
        fields=lambda s: {"identifier": cert(s)},
        accepts=True,
    ),
    "revocation:urgent": Target(
        lambda s: s.links["urgent"], who="anyone", fields=lambda s: {"code": s.codes["urgent"]}, accepts=True
    ),
    "revocation:reissue": Target(
        lambda s: s.links["reissue"],
        who="anyone",
        fields=lambda s: {
            "code": s.codes["reissue"],
            **{f"issuance_password{x}": NEW_ISSUANCE_PASSWORD for x in ("", "_confirm")},
            **{f"revocation_password{x}": NEW_REVOCATION_PASSWORD for x in ("", "_confirm")},
        },
        accepts=True,
    ),
    "revocation:reissue-stop": Target(lambda s: s.links["stop"], who="anyone", accepts=True),
    "revocation:reissue-resend": Target(
        lambda s: f"/pedido/{s.replacement}/reemissao/reenviar/",
        page=lambda s: f"/pedido/{s.replacement}/",
        accepts=True,
    ),
    "revocation:reissue-no-access": Target(
        lambda s: f"/pedido/{s.replacement}/reemissao/sem-acesso/",
        page=lambda s: f"/pedido/{s.replacement}/",
        accepts=True,
    ),
    # the holder's LGPD rights and the privacy notice
    "privacy:notice": Target(lambda s: "/privacidade/", who="anyone", form=False),
    "privacy:notice-version": Target(lambda s: "/privacidade/aviso/2026-07/", who="anyone", form=False),
    "privacy:rights": Target(
        lambda s: f"/pedido/{o('awaiting')(s)}/privacidade/",
        fields={"correction-new_email": "nova@exemplo.com.br"},
        accepts=True,
    ),
    "privacy:confirm": Target(lambda s: "/privacidade/confirmar/abc/", who="anyone", form=False),
    "privacy:result": Target(
        lambda s: "/privacidade/solicitacoes/6f1c2a4e-0d9b-4c7e-9a55-3b8e2f7d1c00/", who="anyone", form=False
    ),
    "privacy:download": Target(
        lambda s: "/privacidade/solicitacoes/6f1c2a4e-0d9b-4c7e-9a55-3b8e2f7d1c00/dados.json", who="anyone", form=False
    ),
    # tokens and A3 (the pairing with the local agent happens in the browser: /token/ only serves the page)
    "tokens:help-index": Target(lambda s: "/ajuda/midias/", who="anyone", form=False),
    "tokens:help-media": Target(lambda s: "/ajuda/midias/safenet/", who="anyone", form=False),
    "tokens:self-service": Target(lambda s: "/token/", who="anyone", form=False),
    "tokens:a1-agent": Target(lambda s: f"/pedido/{o('released')(s)}/emitir/agente/", form=False),
    "tokens:a3-install": Target(lambda s: f"/pedido/{o('a3')(s)}/instalar/", form=False),
    "tokens:a3-authorise": Target(
        lambda s: f"/pedido/{o('a3')(s)}/instalar/autorizar/", kind="json", fields={"password": ""}
    ),
    "tokens:a3-csr": Target(lambda s: f"/pedido/{o('a3')(s)}/instalar/csr/", kind="json", fields={"csr": ""}),
    "tokens:a3-certificate": Target(lambda s: f"/pedido/{o('a3')(s)}/instalar/certificado/", form=False),
    # help centre: its search is a GET form
    "helpcenter:index": Target(lambda s: "/ajuda/", who="anyone", kind="get", fields={"q": "senha"}, accepts=True),
    "helpcenter:article": Target(lambda s: "/ajuda/artigos/como-comprar/", who="anyone", form=False),
    # partners
    "partners:register": Target(
        lambda s: "/parceiros/credenciamento/",
        who="anyone",
        fields={
            "document": "11222333000181",
            "name": "Escritório Novo",
            "contact_name": "Rita Nova",
            "email": "rita@novo.com.br",
            "phone": "(11) 98765-4321",
            "pix_key": "rita@novo.com.br",
            "password": "Senha-nova-2026",
        },
        accepts=True,
    ),
    "partner-login": Target(
        lambda s: "/parceiros/entrar/",
        who="anyone",
        fields={"username": PARTNER_LOGIN, "password": PASSWORD},
        accepts=True,
    ),
    "partner-logout": Target(lambda s: "/parceiros/sair/", who="partner", form=False),
    # the second factor: the partner has none (the set-up form); the staff member has the app, verified
    "accounts:enrol": Target(lambda s: "/conta/segundo-fator/", who="partner", fields={"code": "123456"}),
    "accounts:verify": Target(lambda s: "/conta/segundo-fator/verificar/", who="staff", form=False),
    "accounts:recovery-codes": Target(lambda s: "/conta/segundo-fator/codigos/", who="staff", accepts=True),
    "accounts:factor-remove": Target(lambda s: "/conta/segundo-fator/remover/totp/999999/", who="staff", form=False),
    "otp_webauthn:credential-registration-begin": Target(
        lambda s: "/conta/webauthn/registro/inicio/", who="staff", kind="json"
    ),
    "otp_webauthn:credential-registration-complete": Target(
        lambda s: "/conta/webauthn/registro/fim/", who="staff", kind="json", fields={"id": "", "response": ""}
    ),
    "otp_webauthn:credential-authentication-begin": Target(
        lambda s: "/conta/webauthn/uso/inicio/", who="staff", kind="json"
    ),
    "otp_webauthn:credential-authentication-complete": Target(
        lambda s: "/conta/webauthn/uso/fim/", who="staff", kind="json", fields={"id": "", "response": ""}
    ),
    "otp_webauthn:js-i18n-catalog": Target(lambda s: "/conta/webauthn/jsi18n/", who="anyone", form=False),
    "partner-password-reset": Target(
        lambda s: "/parceiros/senha/", who="anyone", fields={"email": PARTNER_LOGIN}, accepts=True
    ),
    "partner-password-reset-done": Target(lambda s: "/parceiros/senha/enviada/", who="anyone", form=False),
    "partner-password-reset-confirm": Target(
        lambda s: s.reset_path,
        who="anyone",
        fields={"new_password1": PASSWORD + "x", "new_password2": PASSWORD + "x"},
        accepts=True,
    ),
    "partner-password-reset-complete": Target(lambda s: "/parceiros/senha/concluida/", who="anyone", form=False),
    "partners:dashboard": Target(lambda s: "/parceiros/", who="partner", kind="get"),
    # Renewal: the partner's list of clients' certificates ending (its window chosen by links) and the one-click link.
    "partners:renewals": Target(lambda s: "/parceiros/renovacoes/?dias=%3Cx%3E", who="partner", form=False),
    "partners:renewal-send": Target(
        lambda s: f"/parceiros/renovacoes/{s.certificate.pk}/enviar-link/", who="partner", form=False
    ),
    # The holder's renewal from the e-mailed link (the issued certificate's own token), and online renewal: its page
    # and the signed request the agent posts (JSON) — junk signs nothing and orders nothing.
    "renewal:start": Target(lambda s: f"/renovar/{renewal_token(s.certificate)}/", who="anyone"),
    "renewal:online": Target(lambda s: f"/pedido/{o('paid')(s)}/renovacao-online/", form=False),
    "renewal:online-sign": Target(
        lambda s: f"/pedido/{o('paid')(s)}/renovacao-online/assinar/",
        kind="json",
        fields={"request": "", "signature": "", "certificate": ""},
    ),
    # The management dashboard: its filters are a GET form (a superuser sees it).
    "management_dashboard": Target(lambda s: "/admin/painel/", who="staff", kind="get"),
    "partners:profile": Target(
        lambda s: "/parceiros/perfil/", who="partner", fields={"phone": "(11) 98765-4321"}, accepts=True
    ),
    # The export takes the dashboard's filters.
    "partners:orders-csv": Target(
        lambda s: "/parceiros/pedidos.csv", who="partner", kind="get", page=lambda s: "/parceiros/", action=lambda s: ""
    ),
    # The full export's declaration (its filters come in the query string, swept above).
    "partners:orders-csv-full": Target(
        lambda s: "/parceiros/pedidos-completos.csv",
        who="partner",
        page=lambda s: "/parceiros/",
        fields={"confirm": "on"},
        accepts=True,
    ),
    "partners:order": Target(lambda s: f"/parceiros/pedidos/{o('awaiting')(s)}/", who="partner", form=False),
    "partners:order-resend-payment": Target(
        lambda s: f"/parceiros/pedidos/{o('awaiting')(s)}/reenviar-pagamento/",
        who="partner",
        page=lambda s: f"/parceiros/pedidos/{o('awaiting')(s)}/",
    ),
    "partners:order-resend-holder-link": Target(
        lambda s: f"/parceiros/pedidos/{s.holder_order.number}/reenviar-confirmacao/",
        who="partner",
        page=lambda s: f"/parceiros/pedidos/{s.holder_order.number}/",
        accepts=True,
    ),
    "partners:links": Target(lambda s: "/parceiros/links/", who="partner", form=False),
    "partners:link-new": Target(
        lambda s: "/parceiros/links/novo/",
        who="partner",
        fields={"name": "Clientes novos", "benefit_value": "5,00"},
        accepts=True,
    ),
    "partners:link": Target(lambda s: f"/parceiros/links/{s.link_code}/", who="partner", accepts=True),
    "partners:link-pause": Target(lambda s: f"/parceiros/links/{s.link_code}/pausar/", who="partner", form=False),
    "partners:link-resume": Target(lambda s: f"/parceiros/links/{s.link_code}/retomar/", who="partner", form=False),
    "partners:link-qrcode": Target(lambda s: f"/parceiros/links/{s.link_code}/qrcode.png", who="partner", form=False),
    "partners:commissions": Target(lambda s: "/parceiros/comissoes/", who="partner", kind="get"),
    "partners:commissions-csv": Target(lambda s: "/parceiros/comissoes/2026-11.csv", who="partner", form=False),
    "partners:tokens": Target(lambda s: "/parceiros/api/", who="partner", fields={"name": "ERP"}, accepts=True),
    "partners:token-revoke": Target(lambda s: "/parceiros/api/1/revogar/", who="partner", form=False),
    # the API's documentation pages (the operations are schemathesis')
    "api-schema": Target(lambda s: "/api/schema/", who="anyone", form=False),
    "api-docs": Target(lambda s: "/api/docs/", who="anyone", form=False),
    "api-redoc": Target(lambda s: "/api/redoc/", who="anyone", form=False),
}
# Explored by schemathesis from the OpenAPI schema (partners/tests/test_api_schema.py), every operation.
API_NAMESPACE = "api-v1"


# --- reading forms and encoding what is sent ------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST (and GET) forms of a page: action, method, and every named field with its first value."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attrs.get("action") or "",
                    "method": (attrs.get("method") or "get").lower(),
                    "fields": {},
                    "files": set(),
                }
            )
            return
        if not self.forms or not attrs.get("name"):
            if tag == "option" and self._select and self._select not in self.forms[-1]["fields"]:
                self.forms[-1]["fields"][self._select] = attrs.get("value", "")
            return
        fields, name = self.forms[-1]["fields"], attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind == "file":
                self.forms[-1]["files"].add(name)
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset"):
                fields.setdefault(name, attrs.get("value", ""))
        elif tag == "textarea":
            fields.setdefault(name, "")
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def discover(client: Client, page: str, action: str, *, method: str) -> tuple[dict[str, str], set[str]]:
    """The fields of the form on `page` that sends to `action` ("": to the page itself)."""
    response = client.get(page)
    assert response.status_code == 200, f"{page}: {response.status_code}"
    parser = _Forms()
    parser.feed(response.content.decode())
    matching = [
        form
        for form in parser.forms
        if form["method"] == method
        and urlsplit(form["action"]).path in {action, "" if action in (page, "") else action}
    ]
    assert matching, f"no {method.upper()} form on {page} sends to {action}"
    fields = {name: value for form in matching for name, value in form["fields"].items()}
    fields.pop("csrfmiddlewaretoken", None)
    return fields, set().union(*(form["files"] for form in matching))


def _quote(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote(raw, safe="")


def _encode(pairs: list[tuple[str, str | bytes]]) -> bytes:
    """urlencoded by hand: lone surrogates and invalid UTF-8 reach the server as the bytes a hostile client sends."""
    return "&".join(f"{_quote(name)}={_quote(value)}" for name, value in pairs).encode()


@st.composite
def spoiled(draw, fields: dict[str, str]) -> list[tuple[str, str | bytes]]:
    """The form's values with some spoiled: one or all replaced, one dropped, one repeated."""
    names = sorted(fields)
    pairs = dict(fields)
    how = draw(st.sampled_from(["one", "one", "one", "all", "drop", "repeat"] if names else ["all"]))
    if how == "all" or not names:
        extra = draw(st.lists(st.text(max_size=8), max_size=2))
        return [(name, draw(values)) for name in [*names, *extra]]
    name = draw(st.sampled_from(names))
    if how == "drop":
        del pairs[name]
        return list(pairs.items())
    pairs[name] = draw(values)
    result = list(pairs.items())
    if how == "repeat":
        result.append((name, draw(values)))
    return result


# --- checking: no 5xx, and nothing half-written ---------------------------------------------------------------

# Rows a refused request may still write, each for a reason: throttles count refusals, the audit log records
# failed attempts, sessions remember the visitor.
COUNTED_ON_REFUSAL = {
    "revocation.passwordthrottle",
    "accounts.loginthrottle",
    "audit.auditevent",
    "sessions.session",
    "accounts.usersession",
}


def _models():
    return [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]


def snapshot() -> dict[str, tuple[int, int]]:
    """Row count and highest id of every table, in one query."""
    models = [m for m in _models() if m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")]
    q = connection.ops.quote_name
    # Table and column names come from the model registry, never from input.
    parts = [
        f"(SELECT COUNT(*) FROM {q(m._meta.db_table)}), (SELECT MAX({q(m._meta.pk.column)}) FROM {q(m._meta.db_table)})"  # noqa: S608
        for m in models
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return {m._meta.label_lower: (row[2 * i], row[2 * i + 1] or 0) for i, m in enumerate(models)}


def check_writes(before: dict, status: int) -> None:
    after = snapshot()
    changed = {label for label in after if after[label] != before[label]}
    if status >= 400:
        assert changed <= COUNTED_ON_REFUSAL, (
            f"refused with {status} but wrote to {sorted(changed - COUNTED_ON_REFUSAL)}"
        )
        return
    for label in changed:  # accepted: what was written must be whole and valid
        model = apps.get_model(label)
        for row in model.objects.filter(pk__gt=before[label][1]):
            # A NULL the column allows is a state ("not decided yet"), not a missing value.
            unset = [f.name for f in model._meta.concrete_fields if f.null and getattr(row, f.attname) is None]
            row.full_clean(exclude=unset, validate_unique=False, validate_constraints=False)


def send(client: Client, target: Target, path: str, payload, files: set[str]):
    if target.kind == "get":
        query = _encode(payload).decode()
        return client.get(f"{path}?{query}")
    if target.kind == "json" or target.kind == "webhook":
        return client.post(path, payload[0], content_type="application/json", headers=payload[1])
    if target.kind == "raw":
        return client.post(path, payload, content_type="application/ocsp-request")
    if files:
        data: dict = {}
        for name, value in payload:
            if isinstance(value, bytes) or re.search(r"[\ud800-\udfff]", value):
                value = (
                    value.decode("latin-1") if isinstance(value, bytes) else value.encode("utf-8", "replace").decode()
                )
            data.setdefault(name, []).append(value)
        for name in files:
            data[name] = SimpleUploadedFile(name="x\x00.pdf" if "letter" in name else "doc.jpg", content=b"\x00" * 10)
        return client.post(path, data)
    return client.post(path, _encode(payload), content_type="application/x-www-form-urlencoded")


# --- the tests -------------------------------------------------------------------------------------------------


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name == "admin":
                    continue
                walk(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern):
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver(), "")
    return names


def test_every_url_is_swept():
    names = _url_names()
    unswept = {name for name in names if name not in TARGETS and not name.startswith(f"{API_NAMESPACE}:")}
    assert not unswept, f"URLs without a target in the bad-input sweep: {sorted(unswept)}"
    assert not set(TARGETS) - names, f"targets of URLs that are gone: {sorted(set(TARGETS) - names)}"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_hostile_input_never_answers_5xx_nor_writes_half(name, scene):
    target = TARGETS[name]
    client = scene.clients[target.who]
    path = target.path(scene)
    fields: dict[str, str] = {}
    files: set[str] = set()
    if target.prepare:
        target.prepare(scene)
    if target.form and target.kind in ("form", "get"):
        page = target.page(scene) if target.page else path
        action = target.action(scene) if target.action else path
        with time_machine.travel(NOW, tick=False):
            fields, files = discover(client, page, action, method="get" if target.kind == "get" else "post")
    given_fields = target.fields(scene) if callable(target.fields) else target.fields
    fields.update({k: v for k, v in given_fields.items() if not isinstance(v, bytes)})
    files |= {k for k, v in given_fields.items() if isinstance(v, bytes)}

    if target.kind == "webhook":
        payment = Payment.objects.get(order=scene.orders["awaiting"])
        base = json.loads(event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount))
        payloads = st.builds(
            lambda key, value, signed: _webhook(base, key, value, signed),
            st.sampled_from(sorted(base)),
            JSON_VALUES,
            st.one_of(st.none(), st.none(), SIGNATURES),
        )
    elif target.kind == "json":
        payloads = st.one_of(
            st.builds(lambda v: (json.dumps(dict.fromkeys(fields, v)).encode(), {}), JSON_VALUES),
            st.builds(
                lambda b: (b, {}), st.sampled_from([b"", b"{", b"[]", b"null", b"\x00", b"\xff\xfe", b"{}" * 50_000])
            ),
        )
    elif target.kind == "raw":
        payloads = st.one_of(
            st.binary(max_size=200), st.sampled_from([b"", b"\x30\x00", b"\x30\x82\xff\xff" + b"\x00" * 100])
        )
    else:
        payloads = spoiled(fields)

    def check(payload):
        # Each example in a savepoint rolled back after it: a success does not use the scene up for the next.
        with transaction.atomic():
            before = snapshot()
            with time_machine.travel(NOW, tick=False):
                response = send(client, target, path, payload, files)
                # Every answer of every URL, refusals and files included, carries a Content-Security-Policy.
                assert response.has_header("Content-Security-Policy"), f"{name}: no CSP on {response.status_code}"
                if response.streaming:  # a streamed body (a CSV) is made while it is read: read it here
                    response = HttpResponse(b"".join(response.streaming_content), status=response.status_code)
            assert response.status_code < 500, f"{name}: {response.status_code} for {payload!r:.300}"
            check_writes(before, response.status_code)
            transaction.set_rollback(True)
        return response

    # The values the spoilt ones replace are a valid submission: so each bad value meets the service, not just
    # the form.
    if target.accepts:
        response = check(list(fields.items()))
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>\s*<li>([^<]+)', response.content.decode(errors="replace"))
        assert response.status_code < 400, f"{name}: the valid submission got {response.status_code}: {errors}"

    # Every listed value in every field, the others left valid: the value reaches the service and the database.
    if target.kind in ("form", "get"):
        for spoilt in sorted(fields) or ["x"]:
            for value in [*NASTY, *INVALID_UTF8]:
                check([*((k, v) for k, v in fields.items() if k != spoilt), (spoilt, value)])

    # Then mixes drawn by hypothesis: several fields at once, fields dropped or repeated, other shapes of body.
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(payload=payloads)
    def sweep(payload):
        check(payload)

    sweep()


def _letter_requested(s: Scene) -> None:
    """The customer asked for the revocation letter (the upload form shows from then on)."""
    client, page = s.clients["customer"], f"/revogar/{cert(s)}/"
    with time_machine.travel(NOW, tick=False):
        fields, _ = discover(client, page, f"{page}carta/", method="post")
        new_password = {
            "new_revocation_password": "Nova#Senha2026",
            "new_revocation_password_confirm": "Nova#Senha2026",
        }
        reason = {"reason": "access_withdrawn", "confirm": "on"}  # no reissue: nothing else to fill in
        response = client.post(f"{page}carta/", {**fields, **new_password, **reason})
    assert response.status_code == 302, re.findall(
        r"<li>([^<]+)</li>|role=\"alert\"[^>]*>\s*<p[^>]*>([^<]+)", response.content.decode()
    )


def _webhook(base: dict, key: str, value, signature) -> tuple[bytes, dict]:
    """The gateway's event with one value spoilt; signed as the gateway signs it, or with a spoilt signature."""
    body = json.dumps({**base, key: value}).encode()
    return body, {SIGNATURE_HEADER: sign(body, secret="dev-sandbox-webhook-secret") if signature is None else signature}
