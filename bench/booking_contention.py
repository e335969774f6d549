"""Booking contention: many customers race for a few videoconference slots on PostgreSQL.

    DATABASE_URL=postgres://… .venv/bin/python bench/booking_contention.py [--clients 200] [--slots 20]

Every client is a paid order with documents attached that calls the booking service for one of the
slots, through its own thread and database connection (at most --connections at a time: the server's
max_connections is shared). Neighbouring clients want the same slot (clients 0–9 the first, 10–19 the
second…), so the ones running at the same moment collide and the database constraints decide. The one
agent works exactly `slots` slots that day, so exactly `slots` bookings may succeed. Afterwards the counts
are read back from the database, and the script ends with one line:

    attempts=200 successes=20 conflicts=180 double_bookings=0 throughput=<N>/s

It runs in a scratch database (`<name>_bench`) that it creates, migrates and drops, so the numbers do
not depend on what else is in DATABASE_URL's database. E-mails go to memory and tasks run in-process.
"""

import argparse
import os
import queue
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tecnosign.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ["REDIS_URL"] = ""  # tasks in-process: the race is in the database, not the queue
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, connections  # noqa: E402

from orders.models import Order, Partner, Product, ReferralLink  # noqa: E402
from orders.tests.factories import order_row  # noqa: E402
from scheduling.errors import SlotTaken  # noqa: E402
from scheduling.models import AGENTS_GROUP, AvailabilityException, Booking  # noqa: E402
from scheduling.services import booking_create  # noqa: E402
from scheduling.slots import BRASILIA  # noqa: E402
from scheduling.tests.factories import overlapping_active_bookings  # noqa: E402
from tecnosign.audit.services import Actor  # noqa: E402


def prepare(clients: int, slots: int) -> list[tuple[Order, datetime]]:
    """One agent with exactly `slots` slots the day after tomorrow; `clients` orders ready to book."""
    day = (datetime.now(BRASILIA) + timedelta(days=2)).date()
    agent = get_user_model().objects.create_user("bench-agent", is_staff=True)
    agent.groups.add(Group.objects.get_or_create(name=AGENTS_GROUP)[0])
    length = timedelta(minutes=settings.BOOKING_SLOT_MINUTES)
    first = datetime.combine(day, datetime.min.time(), tzinfo=BRASILIA).replace(hour=8)
    AvailabilityException.objects.create(
        agent=agent, date=day, kind="extra", start=first.time(), end=(first + slots * length).time()
    )
    product = Product.objects.create(
        code="bench-a1",
        name="e-CPF A1 — 12 meses",
        holder_type="cpf",
        certificate_type="A1",
        media="software",
        validity_months=12,
        price="159.90",
    )
    partner = Partner.objects.create(name="Bench", document="11222333000181", contact_name="Bench", email="b@x.br")
    link = ReferralLink.objects.create(partner=partner, name="Bench", benefit="commission", commission_percent=10)
    orders = Order.objects.bulk_create(
        order_row(100_000 + i, product=product, link=link, partner=partner, status=Order.Status.DOCUMENTS_RECEIVED)
        for i in range(clients)
    )
    per_slot = -(-clients // slots)  # ceiling division
    return [(order, first + (i // per_slot) * length) for i, order in enumerate(orders)]


def race(attempts: list[tuple[Order, datetime]], workers: int) -> tuple[dict[str, int], float]:
    todo: queue.Queue = queue.Queue()
    for attempt in attempts:
        todo.put(attempt)
    tally = {"ok": 0, "taken": 0}
    lock, gate = threading.Lock(), threading.Barrier(workers + 1)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            connection.ensure_connection()  # connect before the start, so the race is about booking
            gate.wait()
            while True:
                try:
                    order, start = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    booking_create(order=order, start=start, actor=Actor(label="bench"))
                    outcome = "ok"
                except SlotTaken:
                    outcome = "taken"
                with lock:
                    tally[outcome] += 1
        except BaseException as error:  # re-raised below as a failure of the bench, never hidden
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client) for _ in range(workers)]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"bench failed: {errors[0]!r}")
    return tally, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--slots", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20, help="concurrent database connections")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL=postgres://… : the race is decided by PostgreSQL's constraints.")

    original = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"{original}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        attempts = prepare(args.clients, args.slots)
        tally, elapsed = race(attempts, min(args.connections, args.clients))
        successes = Booking.objects.filter(status__in=Booking.ACTIVE).count()
        conflicts = Order.objects.filter(status=Order.Status.DOCUMENTS_RECEIVED, bookings__isnull=True).count()
        doubles = overlapping_active_bookings()
        if (successes, conflicts) != (tally["ok"], tally["taken"]):
            raise SystemExit(f"client tallies {tally} disagree with the database ({successes}, {conflicts})")
        print(
            f"attempts={len(attempts)} successes={successes} conflicts={conflicts} double_bookings={doubles} "
            f"throughput={len(attempts) / elapsed:.0f}/s"
        )
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
