"""/metrics: Prometheus text for a scraper with the token or staff with the permission; nothing for anyone else."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from orders.models import Order, Payment
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sandbox_bank_record, sign
from orders.tests.factories import LinkFactory, ProductFactory, UserFactory
from orders.tests.test_checkout_journey import VALID_CPF_FORM
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-for-the-tests-0123456789"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client: Client | None = None, token: str | None = TOKEN) -> dict:
    """{(metric sample name, sorted labels): value} from a scrape with the token."""
    client = client or Client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str, **labels) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (sample, sample_labels), v in samples.items() if sample == name and wanted <= set(sample_labels))


def test_after_a_checkout_and_a_payment_the_counters_and_gauges_moved(client, on_commit):
    # Given a partner's link, and a scrape before anything happened
    product, link = ProductFactory(), LinkFactory()
    before = scrape()
    assert value(before, "tecnosign_orders", state="paid") == 0

    # When a customer buys through the link and pays by PIX (the sandbox bank confirms through its webhook)
    with on_commit():
        assert client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM).status_code == 302
    order = Order.objects.get()
    with on_commit():
        assert client.post(f"/pedido/{order.number}/pagamento/", {"method": "pix"}).status_code == 302
    payment = Payment.objects.get(order=order)
    middle = scrape()
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    body = event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    with on_commit():
        answer = client.post(
            "/payments/webhooks/sandbox/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: sign(body, secret="dev-sandbox-webhook-secret")},
        )
    assert json.loads(answer.content)["outcome"] == "applied"
    after = scrape()

    # Then the requests are counted per view (URL name, never the path with the order number), with their latency
    checkout = {"view": "orders:checkout", "method": "POST", "status": "302"}
    assert (
        value(after, "tecnosign_http_requests_total", **checkout)
        == value(before, "tecnosign_http_requests_total", **checkout) + 1
    )
    webhook = {"view": "orders:payment-webhook", "method": "POST", "status": "200"}
    assert (
        value(after, "tecnosign_http_requests_total", **webhook)
        == value(before, "tecnosign_http_requests_total", **webhook) + 1
    )
    latency = {"view": "orders:checkout", "method": "POST"}
    assert (
        value(after, "tecnosign_http_request_duration_seconds_count", **latency)
        == value(before, "tecnosign_http_request_duration_seconds_count", **latency) + 1
    )
    assert not any(order.number in str(labels) for _, labels in after)
    # and the database statements were timed, the after-commit tasks (the e-mails) counted
    assert total(after, "tecnosign_db_query_duration_seconds_count", kind="insert") > total(
        before, "tecnosign_db_query_duration_seconds_count", kind="insert"
    )
    assert total(after, "tecnosign_celery_tasks_total", task="notifications.send", state="SUCCESS") > total(
        before, "tecnosign_celery_tasks_total", task="notifications.send", state="SUCCESS"
    )
    # and the product's gauges say where things stand: a charge awaited confirmation, now the order is paid
    assert value(middle, "tecnosign_payments_awaiting_confirmation", method="pix") == 1
    assert value(after, "tecnosign_payments_awaiting_confirmation", method="pix") == 0
    assert value(after, "tecnosign_orders", state="paid") == 1
    assert value(after, "tecnosign_orders", state="awaiting_payment") == 0
    assert value(after, "tecnosign_payment_webhooks_last_24h", outcome="applied") == 1
    assert value(after, "tecnosign_outbox_messages", status="sent") >= 2
    assert ("tecnosign_outbox_oldest_pending_age_seconds", ()) in after
    assert value(after, "tecnosign_issuance_pending_older_than", hours="24") == 0
    assert ("tecnosign_free_slots_next_3_days", ()) in after and ("tecnosign_bookings_today", ()) in after


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["anonymous", "wrong-token", "not-bearer"],
)
def test_a_scrape_without_the_token_is_refused(headers):
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"tecnosign_" not in response.content


def test_no_token_configured_refuses_even_an_empty_bearer(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_staff_need_the_permission_and_a_second_factor():
    staff = UserFactory(is_staff=True)
    without_permission = staff_login(None, staff)
    assert without_permission.get("/metrics").status_code == 401

    staff.user_permissions.add(Permission.objects.get(codename="view_metrics", content_type__app_label="observability"))
    unverified = Client()
    unverified.force_login(staff)
    assert unverified.get("/metrics").status_code == 401
    assert value(scrape(staff_login(None, staff), token=None), "tecnosign_orders", state="paid") == 0


def test_a_scrape_costs_the_same_queries_whatever_the_data():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.tests.factories import OrderFactory

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            scrape()
        return len(captured)

    OrderFactory(status=Order.Status.PAID)
    few = queries()
    for status in (Order.Status.PAID, Order.Status.ISSUED, Order.Status.AWAITING_PAYMENT):
        OrderFactory.create_batch(3, status=status)
    assert queries() == few
