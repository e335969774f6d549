"""The users of bench/load.py (run by it through `locust --headless`; not a standalone script).

BENCH_LOAD_DATA names the JSON file the seeding wrote: the link, the orders ready to book, the charges
waiting for their webhook, the webhook secret.

- `Customer` (the many): the partner's link page, the order page, the booking page with its free slots,
  a booking (reschedule when booked) and, for the gateway, a signed payment webhook.
- `Buyer` (one at a time): the checkout. It hashes two passwords with PBKDF2 (1,000,000 rounds, about a
  second of CPU), so it is kept at the rate real purchases come in, not at the rate pages are read.
- `Bare`: /bench/bare/, the ceiling, run alone.
"""

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from _shared import cpf
from locust import HttpUser, between, constant_pacing, task

DATA = json.loads(Path(os.environ["BENCH_LOAD_DATA"]).read_text())
WAIT = between(float(os.environ.get("BENCH_WAIT_MIN", "0.5")), float(os.environ.get("BENCH_WAIT_MAX", "1.5")))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT = re.compile(r'name="slot" value="([^"]+)"')
_orders = itertools.cycle(DATA["bookable"])  # one order per customer while there are enough
_buyers = itertools.count(random.randrange(10**6) * 1000)


def webhook(charge_id: str, amount: str, secret: str) -> tuple[bytes, dict]:
    """A "paid" event as the sandbox gateway signs it (orders/payments/gateways/sandbox.py), from outside."""
    body = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "charge.updated",
            "charge_id": charge_id,
            "status": "paid",
            "amount": amount,
            "occurred_at": datetime.now(UTC).isoformat(),
        },
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"X-Sandbox-Signature": f"t={timestamp},v1={digest}", "Content-Type": "application/json"}


def csrf_token(response) -> str:
    match = CSRF.search(response.text)
    if match is None:
        response.failure("no CSRF token on the page")
        return ""
    return match.group(1)


class _Portal(HttpUser):
    abstract = True
    wait_time = WAIT

    def post_form(self, url: str, page_name: str, data: dict, name: str, ok: tuple[int, ...] = (302,)):
        with self.client.get(url, name=page_name, catch_response=True) as page:
            token = csrf_token(page)
        if not token:
            return None
        headers = {"Referer": self.host + url}
        with self.client.post(
            url,
            {**data, "csrfmiddlewaretoken": token},
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in ok:
                response.failure(f"status {response.status_code}")
            return response


class Customer(_Portal):
    weight = 100

    def on_start(self):
        self.order = next(_orders)
        self.book_url = f"/pedido/{self.order['number']}/agendar/"
        # In through /pedido/ with the number and the CPF, as the customer does.
        self.post_form(
            "/pedido/",
            "order lookup form",
            {"number": self.order["number"], "document": self.order["document"]},
            "order lookup (POST)",
        )
        self.slots = []

    @task(4)
    def link_page(self):
        self.client.get(f"/l/{DATA['link']}/", name="link page")

    @task(4)
    def order_page(self):
        self.client.get(f"/pedido/{self.order['number']}/", name="order page")

    @task(4)
    def slots_page(self):
        with self.client.get(self.book_url, name="slot availability", catch_response=True) as response:
            self.slots = SLOT.findall(response.text)
            if not self.slots:
                response.failure("no free slot offered")

    @task(1)
    def book(self):
        if not self.slots:
            return self.slots_page()
        token = csrf_token(self.client.get(self.book_url, name="slot availability"))
        slot = random.choice(self.slots[len(self.slots) // 4 :])  # days ahead: past the change cut-off
        with self.client.post(
            self.book_url,
            {"slot": slot, "csrfmiddlewaretoken": token},
            name="booking (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")

    @task(1)
    def payment_webhook(self):
        charge = random.choice(DATA["charges"])
        body, headers = webhook(charge["charge_id"], charge["amount"], DATA["webhook_secret"])
        self.client.post("/payments/webhooks/sandbox/", data=body, headers=headers, name="payment webhook")


class Buyer(_Portal):
    fixed_count = 1
    wait_time = constant_pacing(float(os.environ.get("BENCH_CHECKOUT_PACING", "5")))

    @task
    def checkout(self):
        n = next(_buyers)
        url = f"/l/{DATA['link']}/{DATA['product']}/"
        data = {
            "person_name": f"Cliente Carga {n}",
            "person_cpf": cpf(n),
            "person_birth_date": "1985-04-12",
            "email": f"carga{n}@exemplo.com.br",
            "mobile": "(11) 98765-4321",
            "issuance_password": "Emissao#2026",
            "issuance_password_confirm": "Emissao#2026",
            "revocation_password": "Revoga#2026x",
            "revocation_password_confirm": "Revoga#2026x",
            "lgpd_consent": "on",
        }
        self.post_form(url, "checkout form", data, "checkout (POST)")


class Bare(_Portal):
    @task
    def bare(self):
        self.client.get("/bench/bare/", name="bare view")
