"""Big tables: the back office and the partner dashboard over 100,000 orders.

    .venv/bin/python bench/big_tables.py [--orders 100000] [--keep-db]

It creates its own database (`tecnosign_bigtables` on DATABASE_URL's server, dropped at the end), migrates,
and bulk-inserts real model rows: 40 partners with a link each (the first partner sold a fifth of all
orders), orders over the last year in a realistic mix of states (most issued or waiting for payment), the
scheduled ones with their booking over the next two weeks, today's finished appointments on the agents'
agenda and validated dossiers in the verification queue. Then, logged in with Django's test client as staff
and as the big partner, it times each page (median of 5 after a warm-up), counts its queries, and EXPLAINs
the slowest one, flagging a sequential scan on a big table. One line per page:

    <page> ms=<median> queries=<N> slowest_sql_ms=<N> seq_scan=<tables or ->

Tasks run in-process and the cache is local memory: only the database and Django are measured.
"""

import argparse
import os
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _shared import scratch_database

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tecnosign")
BENCH_DB = "tecnosign_bigtables"
BIG_TABLES = {"orders_order", "scheduling_booking", "scheduling_validation", "orders_payment"}
PASSWORD = "Bench#Senha1"  # noqa: S105 (the bench users')

# The state mix of a year of orders: most are issued or never paid.
MIX = [
    ("awaiting_payment", 14),
    ("payment_expired", 12),
    ("paid", 6),
    ("documents_received", 6),
    ("scheduled", 8),
    ("no_show", 1),
    ("validated", 3),
    ("verified", 1),
    ("released", 3),
    ("issued", 40),
    ("rejected", 1),
    ("cancelled", 4),
    ("revoked", 1),
]


def database(action: str) -> None:
    scratch_database(SERVER, BENCH_DB, create=action == "create")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DATABASE_URL": urlunsplit(urlsplit(SERVER)._replace(path=f"/{BENCH_DB}")),
            "REDIS_URL": "",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            # Production settings as staging: the sandbox is the only gateway there is to name.
            "PAYMENT_GATEWAY": "sandbox",
            "SANDBOX_ALLOWED": "1",
            "SANDBOX_WEBHOOK_SECRET": "bench-webhook-secret",
            "CA_KEY_PASSPHRASE": "bench-only-ca-passphrase-0123456789",
            "PRIVATE_STORAGE_MASTER_KEYS": "YmVuY2gtb25seS1wcml2YXRlLXN0b3JhZ2Uta2V5ISE=",  # 32 bytes, bench only
            "LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        }
    )
    import django

    django.setup()


def seed(total: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from orders.catalog import catalog_load
    from orders.models import Order, Partner, Product, ReferralLink
    from orders.tests.factories import order_row
    from scheduling.models import Booking, Validation
    from scheduling.slots import BRASILIA
    from scheduling.tests.factories import agents_bulk, booking_row, validation_row

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    catalog_load()
    User = get_user_model()
    password = make_password(PASSWORD)
    products = list(Product.objects.filter(holder_type="cpf"))
    users = User.objects.bulk_create(User(username=f"parceiro{i}@bench", password=password) for i in range(40))
    partners = Partner.objects.bulk_create(
        Partner(
            user=user,
            name=f"Contabilidade {i}",
            document=f"{i:014d}",
            contact_name="Bench",
            email=user.username,
            status="approved",
            terms_accepted_at=timezone.now(),
        )
        for i, user in enumerate(users)
    )
    links = ReferralLink.objects.bulk_create(
        ReferralLink(partner=p, name="Clientes", benefit="commission", commission_percent=Decimal(10)) for p in partners
    )
    staff = User.objects.create_superuser("admin@bench", "admin@bench", PASSWORD)
    agents = agents_bulk(f"agente{i}@bench" for i in range(40))

    statuses = [status for status, weight in MIX for _ in range(weight)]  # 100 entries: a percentage each
    now = timezone.now()
    started = time.monotonic()
    for offset in range(0, total, 5000):
        batch = []
        for i in range(offset, min(total, offset + 5000)):
            # Partner 0 sold a fifth of all orders; the others share the rest.
            link = links[0] if i % 5 == 0 else links[1 + i % 39]
            product = products[i % len(products)]
            batch.append(
                order_row(
                    300_000_000 + i,
                    product=product,
                    link=link,
                    partner=link.partner,
                    status=statuses[(i * 37) % 100],
                    person_name=f"Cliente {i} da Silva",
                    created_at=now - timedelta(minutes=(i * 5.25) % (365 * 24 * 60)),
                )
            )
        Order.objects.bulk_create(batch, batch_size=5000)
    print(f"seeded {total} orders in {time.monotonic() - started:.0f} s", flush=True)

    # Scheduled orders: their booking over the next 14 days (one agent per slot, 26 slots a day).
    first = datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time(), tzinfo=BRASILIA)
    scheduled = list(Order.objects.filter(status="scheduled").values_list("pk", "person_cpf")[: 40 * 26 * 14])
    length = timedelta(minutes=30)

    def booking(n, pk, person, start, **extra):
        return booking_row(order_id=pk, agent=agents[n % 40], attendee_cpf=person, starts_at=start, **extra)

    Booking.objects.bulk_create(
        (
            booking(n, pk, person, first + timedelta(days=n // 40 // 26, hours=7) + (n // 40 % 26) * length)
            for n, (pk, person) in enumerate(scheduled)
        ),
        batch_size=5000,
    )
    # Validated orders: a finished appointment today (the agenda) and the dossier in the verification queue.
    today = datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=BRASILIA) + timedelta(hours=7)
    validated = list(Order.objects.filter(status="validated").values_list("pk", "person_cpf"))
    done = Booking.objects.bulk_create(
        (
            booking(
                n,
                pk,
                person,
                today + (n // 40 % 26) * length,
                status="completed",
                outcome="validated",
                started_at=today,
                started_by=agents[n % 40],
                finished_at=today + timedelta(minutes=20),
            )
            for n, (pk, person) in enumerate(validated)
        ),
        batch_size=5000,
    )
    Validation.objects.bulk_create((validation_row(b) for b in done), batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    theirs = Order.objects.filter(partner=partners[0]).order_by("pk").values_list("person_cpf", "person_name")
    big = theirs[min(1234, theirs.count() - 1)]  # a client of the big partner, whatever --orders is
    return {"staff": staff, "partner_user": users[0], "cpf": big[0], "name": big[1]}


def measure(client, url: str, runs: int = 5) -> tuple[float, int, float, str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once():
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"benchmark check failed: {url} answered {response.status_code}")
        return elapsed, captured.captured_queries, body

    once()
    timings, captured = [], []
    for _ in range(runs):
        elapsed, captured, body = once()
        timings.append(elapsed)
    slowest = max(captured, key=lambda query: float(query["time"]))
    seq = sorted(set(re.findall(r"Seq Scan on (\w+)", explain(slowest["sql"]))) & BIG_TABLES)
    return statistics.median(timings), len(captured), float(slowest["time"]) * 1000, ",".join(seq) or "-", len(body)


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    database("create")
    setup_django()
    from django.test import Client

    from tecnosign.tests.auth import staff_login  # the admin needs a verified second factor

    try:
        seeded = seed(args.orders)
        staff, partner = staff_login(None, seeded["staff"]), Client()
        partner.force_login(seeded["partner_user"])
        pages = [
            ("admin orders", staff, "/admin/orders/order/"),
            ("admin orders status=issued", staff, "/admin/orders/order/?status__exact=issued"),
            ("admin orders search CPF", staff, f"/admin/orders/order/?q={seeded['cpf']}"),
            ("admin orders search name", staff, f"/admin/orders/order/?q={seeded['name'].replace(' ', '+')}"),
            ("admin agenda (today)", staff, "/admin/scheduling/agendaentry/"),
            ("admin verification queue", staff, "/admin/scheduling/verificationqueueentry/"),
            ("admin bookings", staff, "/admin/scheduling/booking/"),
            ("partner dashboard", partner, "/parceiros/"),
            ("partner dashboard page 40", partner, "/parceiros/?page=40"),
            ("partner status=scheduled", partner, "/parceiros/?status=scheduled"),
            ("partner search CPF", partner, f"/parceiros/?q={seeded['cpf']}"),
            ("partner search name", partner, f"/parceiros/?q={seeded['name'].replace(' ', '+')}"),
            ("partner CSV (all orders)", partner, "/parceiros/pedidos.csv"),
        ]
        for name, client, url in pages:
            ms, queries, slowest, seq, size = measure(client, url, runs=3 if "CSV" in name else 5)
            print(
                f"{name:28} ms={ms:.0f} queries={queries} slowest_sql_ms={slowest:.0f} seq_scan={seq} bytes={size}",
                flush=True,
            )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            database("drop")


if __name__ == "__main__":
    main()
