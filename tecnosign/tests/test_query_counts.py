"""List pages and API lists read a constant number of queries, whether they list 10 rows or 1,000.

Each test seeds 10 rows, opens the page once to warm per-process caches (content types, the session),
counts the queries of a second request, adds 990 more rows and counts again: the two counts must be equal,
and the page must show the rows (a page that lists nothing would pass any count). Rows are made with
`bulk_create` so the tests stay fast; the objects they point to (partner, agents, products) are made by the
factories and services the app uses.
"""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issuance.models import Certificate, IssuanceRequest
from orders.models import CommissionEntry, Order, Payment, ReferralLink
from orders.tests.factories import UserFactory, order_row
from revocation.models import RevocationRequest
from scheduling.models import AvailabilityRule, Booking, Validation
from scheduling.slots import BRASILIA
from scheduling.tests.factories import agents_bulk, booking_row, validation_row
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage
from tecnosign.tests.auth import staff_login

PASSWORD = "senha-de-teste-123"
FEW, MANY = 10, 1000
_serial = count(1)
S = Order.Status


def queries(client, url, **extra):
    """(response, number of queries) of one GET, the streamed body included (as `response.body`)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
        response.body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, len(captured)


def measure(client, url, seed, **extra):
    """Seed FEW rows, warm up, count; seed up to MANY, count. Returns both (response, count) pairs."""
    seed(FEW)
    client.get(url, **extra)
    few = queries(client, url, **extra)
    seed(MANY - FEW)
    many = queries(client, url, **extra)
    assert few[0].status_code == many[0].status_code == 200, (few[0].status_code, many[0].status_code)
    return few, many


def assert_constant(few, many):
    (_, few_count), (_, many_count) = few, many
    assert few_count == many_count, f"{few_count} queries for {FEW} rows, {many_count} for {MANY}"


def orders_bulk(n, *, partner=None, link=None, product, statuses=tuple(S), cnpj=False, **fields):
    """n orders through the model (numbers from its default), cycling through `statuses`."""
    now = timezone.now()
    rows = []
    for k in range(n):
        i = next(_serial)
        status = statuses[k % len(statuses)]
        rows.append(
            order_row(
                i,
                product=product,
                link=link,
                partner=partner,
                status=status,
                cnpj=cnpj,
                created_at=now - timedelta(minutes=i),
                **fields,
            )
        )
    return Order.objects.bulk_create(rows)


def table_rows(response) -> int:
    return len(re.findall(r"<tr\b", response.text))


# --- The partner portal and its API ----------------------------------------------------------------------


@pytest.fixture
def partner_client(client, partner):
    assert client.login(username=partner.user.username, password=PASSWORD)
    return client


def seed_partner_orders(partner, link, product):
    agent = UserFactory(username="agente-qc@tecnosign.com.br", is_staff=True)
    start = timezone.now() + timedelta(days=3)

    def seed(n):
        orders = orders_bulk(n, partner=partner, link=link, product=product)
        # The scheduled ones carry a booking (the state says when); the paid ones a payment.
        Booking.objects.bulk_create(
            Booking(
                order=order,
                agent=agent,
                attendee_cpf=order.person_cpf,
                starts_at=start + timedelta(minutes=30 * order.pk),
                ends_at=start + timedelta(minutes=30 * order.pk + 30),
                video_url="https://meet.jit.si/bench",
                eligibility_basis="bench",
            )
            for order in orders
            if order.status == S.SCHEDULED
        )
        Payment.objects.bulk_create(
            Payment(order=order, method="pix", gateway="sandbox", amount=order.price, status="paid")
            for order in orders
            if order.status not in (S.AWAITING_PAYMENT, S.PAYMENT_EXPIRED)
        )

    return seed


def test_partner_dashboard(partner_client, partner, link, product):
    few, many = measure(partner_client, "/parceiros/", seed_partner_orders(partner, link, product))
    assert_constant(few, many)
    assert few[0].context["page"].paginator.count == FEW
    assert len(few[0].context["rows"]) == FEW
    assert many[0].context["page"].paginator.count == MANY
    assert len(many[0].context["rows"]) == 25
    assert "videoconferência agendada para" in many[0].text


def test_partner_dashboard_filtered_and_searched(partner_client, partner, link, product):
    url = f"/parceiros/?status={S.SCHEDULED}&link={link.pk}&q=Cliente"
    few, many = measure(partner_client, url, seed_partner_orders(partner, link, product))
    assert_constant(few, many)
    scheduled = Order.objects.filter(partner=partner, status=S.SCHEDULED).count()
    assert scheduled > 25
    assert many[0].context["page"].paginator.count == scheduled
    assert all(row.order.status == S.SCHEDULED for row in many[0].context["rows"])


def test_partner_csv_export_reads_one_query_per_chunk(partner_client, partner, link, product):
    few, many = measure(partner_client, "/parceiros/pedidos.csv", seed_partner_orders(partner, link, product))
    # The export streams in chunks of 500 orders: the booking times are read once per chunk, never per row.
    assert many[1] == few[1] + (MANY // 500 - 1)
    assert few[0].body.decode("utf-8-sig").count("\r\n") == FEW + 1
    assert many[0].body.decode("utf-8-sig").count("\r\n") == MANY + 1


def test_partner_links(partner_client, partner, product):
    def seed(n):
        links = ReferralLink.objects.bulk_create(
            ReferralLink(partner=partner, name=f"Link {next(_serial)}", benefit="commission", commission_percent=10)
            for _ in range(n)
        )
        orders = orders_bulk(n, partner=partner, link=links[0], product=product, statuses=[S.PAID])
        Payment.objects.bulk_create(
            Payment(order=order, method="pix", gateway="sandbox", amount=order.price, status="paid") for order in orders
        )

    few, many = measure(partner_client, "/parceiros/links/", seed)
    assert_constant(few, many)
    assert len(many[0].context["rows"]) == MANY
    assert all(f"/parceiros/links/{row['link'].code}/" in many[0].text for row in many[0].context["rows"])


def test_commission_statement(partner_client, partner, link, product):
    def seed(n):
        orders = orders_bulk(n, partner=partner, link=link, product=product, statuses=[S.PAID])
        CommissionEntry.objects.bulk_create(
            CommissionEntry(
                partner=partner,
                order=order,
                kind="accrual",
                base_amount=order.price,
                percent=Decimal("10.00"),
                amount=Decimal("15.99"),
            )
            for order in orders
        )

    few, many = measure(partner_client, "/parceiros/comissoes/", seed)
    assert_constant(few, many)
    assert len(many[0].context["statement"].entries) == MANY
    assert many[0].context["statement"].accrued == Decimal("15.99") * MANY


@pytest.fixture
def api_key(partner):
    from partners.services.tokens import api_token_create
    from tecnosign.audit.services import Actor

    _, key = api_token_create(partner=partner, name="Sistema do escritório", actor=Actor(user=partner.user))
    return key


def test_api_orders(client, api_key, partner, link, product):
    headers = {"headers": {"Authorization": f"Bearer {api_key}"}}
    few, many = measure(client, "/api/v1/orders/", seed_partner_orders(partner, link, product), **headers)
    assert_constant(few, many)
    assert few[0].json()["count"] == FEW
    assert many[0].json()["count"] == MANY
    assert len(many[0].json()["results"]) == 50


def test_api_links(client, api_key, partner, product):
    def seed(n):
        ReferralLink.objects.bulk_create(
            ReferralLink(partner=partner, name=f"Link {next(_serial)}", benefit="commission", commission_percent=10)
            for _ in range(n)
        )

    headers = {"headers": {"Authorization": f"Bearer {api_key}"}}
    few, many = measure(client, "/api/v1/links/?page_size=200", seed, **headers)
    assert_constant(few, many)
    assert many[0].json()["count"] == MANY
    assert len(many[0].json()["results"]) == 200


def test_api_commission_statement(client, api_key, partner, link, product):
    def seed(n):
        orders = orders_bulk(n, partner=partner, link=link, product=product, statuses=[S.PAID])
        CommissionEntry.objects.bulk_create(
            CommissionEntry(
                partner=partner, order=o, kind="accrual", base_amount=o.price, percent=10, amount=Decimal("15.99")
            )
            for o in orders
        )

    headers = {"headers": {"Authorization": f"Bearer {api_key}"}}
    few, many = measure(client, "/api/v1/commissions/", seed, **headers)
    assert_constant(few, many)
    assert len(many[0].json()["entries"]) == MANY


# --- The back office ---------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("admin@tecnosign.com.br", "admin@tecnosign.com.br", PASSWORD)
    staff_login(client, user)
    client.user = user
    return client


def test_admin_orders(staff_client, partner, link, product):
    few, many = measure(staff_client, "/admin/orders/order/", seed_partner_orders(partner, link, product))
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100


def agents(n):
    return agents_bulk(f"agente{next(_serial)}@tecnosign.com.br" for _ in range(n))


def finished_bookings(n, *, product, day_start, status=Booking.Status.COMPLETED, order_status=S.VALIDATED):
    """n finished bookings of n orders, spread over 40 agents through the day (no overlap per agent)."""
    team = agents(40)
    orders = orders_bulk(n, product=product, statuses=[order_status])
    return Booking.objects.bulk_create(
        booking_row(
            order_id=order.pk,
            agent=team[i % 40],
            attendee_cpf=order.person_cpf,
            starts_at=day_start + timedelta(minutes=30 * (i // 40)),
            status=status,
            outcome="validated",
            started_at=day_start,
            started_by=team[i % 40],
            finished_at=day_start + timedelta(minutes=20),
        )
        for i, order in enumerate(orders)
    )


def test_admin_agenda(staff_client, product):
    day_start = datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=BRASILIA)

    def seed(n):
        finished_bookings(n, product=product, day_start=day_start)

    few, many = measure(staff_client, "/admin/scheduling/agendaentry/", seed)
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100
    assert "Abrir dossiê" in many[0].text


def test_admin_verification_queue(staff_client, product):
    day_start = timezone.now() - timedelta(days=1)

    def seed(n):
        bookings = finished_bookings(n, product=product, day_start=day_start)
        Validation.objects.bulk_create(validation_row(b) for b in bookings)

    few, many = measure(staff_client, "/admin/scheduling/verificationqueueentry/", seed)
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100
    assert "Revisar" in many[0].text


def test_admin_bookings(staff_client, product):
    day_start = timezone.now() - timedelta(days=1)
    few, many = measure(
        staff_client,
        "/admin/scheduling/booking/",
        lambda n: finished_bookings(n, product=product, day_start=day_start),
    )
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100


def issued_orders(n, product, status=S.ISSUED):
    orders = orders_bulk(n, product=product, statuses=[status])
    requests = IssuanceRequest.objects.bulk_create(
        IssuanceRequest(
            order=o,
            backend="local",
            status="released",
            external_reference=f"AC-{o.pk}",
            accepted_at=timezone.now(),
            released_at=timezone.now(),
            sla_deadline=timezone.now() + timedelta(hours=24),
        )
        for o in orders
    )
    return orders, requests


def test_admin_issuance_requests(staff_client, product):
    few, many = measure(staff_client, "/admin/issuance/issuancerequest/", lambda n: issued_orders(n, product))
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100


def test_admin_revocation_requests(staff_client, product):
    def seed(n):
        orders, requests = issued_orders(n, product, status=S.REVOKED)
        certificates = Certificate.objects.bulk_create(
            Certificate(
                order=o,
                request=r,
                backend="local",
                issuer="CN=AC TecnoSign",
                serial=f"{o.pk:040x}",
                subject=f"CN={o.person_name}:{o.person_cpf}",
                not_before=timezone.now(),
                not_after=timezone.now() + timedelta(days=365),
                fingerprint_sha256=f"{o.pk:064x}",
                public_key_sha256=f"{o.pk:064x}",
                certificate_pem="-",
            )
            for o, r in zip(orders, requests, strict=True)
        )
        RevocationRequest.objects.bulk_create(
            RevocationRequest(
                order=c.order,
                certificate=c,
                channel="password",
                status="revoked",
                reason="password_lost",
                within_guarantee=False,
                revoked_at=timezone.now(),
            )
            for c in certificates
        )

    few, many = measure(staff_client, "/admin/revocation/revocationrequest/", seed)
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100


def test_admin_audit_events(staff_client):
    def seed(n):
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=staff_client.user, actor_label="admin", action="order.created", object_type="order")
            for _ in range(n)
        )

    few, many = measure(staff_client, "/admin/audit/auditevent/", seed)
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100


def test_admin_notifications(staff_client):
    def seed(n):
        OutboxMessage.objects.bulk_create(
            OutboxMessage(key=f"qc:{next(_serial)}", kind="order_created", recipient="a@b.br", body_text="x")
            for _ in range(n)
        )

    few, many = measure(staff_client, "/admin/notifications/outboxmessage/", seed)
    assert_constant(few, many)
    assert len(many[0].context["cl"].result_list) == 100


# --- Slot availability: the booking page, whatever the bookings and agents ----------------------------------


def test_booking_page_slots(client, product, settings):
    [order] = orders_bulk(1, product=product, statuses=[S.DOCUMENTS_RECEIVED])
    response = client.post("/pedido/", {"number": order.number, "document": order.holder_document})
    assert response.status_code == 302
    first_day = timezone.localdate() + timedelta(days=2)

    def seed(n):
        # Agents working every weekday all day long, and n active bookings among them over the next days.
        team = agents(max(1, n // 25))
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(agent=agent, weekday=weekday, start="07:00", end="20:00")
            for agent in team
            for weekday in range(7)
        )
        booked = orders_bulk(n, product=product, statuses=[S.SCHEDULED])
        Booking.objects.bulk_create(
            Booking(
                order=o,
                agent=team[i % len(team)],
                attendee_cpf=o.person_cpf,
                starts_at=datetime.combine(
                    first_day + timedelta(days=i // len(team) // 26), datetime.min.time()
                ).replace(tzinfo=BRASILIA, hour=7)
                + timedelta(minutes=30 * (i // len(team) % 26)),
                ends_at=datetime.combine(first_day + timedelta(days=i // len(team) // 26), datetime.min.time()).replace(
                    tzinfo=BRASILIA, hour=7
                )
                + timedelta(minutes=30 * (i // len(team) % 26 + 1)),
                video_url="https://meet.jit.si/bench",
                eligibility_basis="bench",
            )
            for i, o in enumerate(booked)
        )

    settings.SESSION_PAGE_CACHE = False  # what building the page costs (a kept page costs one query whatever the data)
    few, many = measure(client, f"/pedido/{order.number}/agendar/", seed)
    assert_constant(few, many)
    assert 'name="slot"' in many[0].text
