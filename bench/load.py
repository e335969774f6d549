"""HTTP load on the portal as deployed: gunicorn + PostgreSQL + Redis on this machine, driven by locust.

    .venv/bin/python bench/load.py [--users 10,50,100] [--duration 20] [--workers 5] [--keep-db]

It creates its own database (`tecnosign_bench` on DATABASE_URL's server, dropped at the end), migrates,
collects the static files, and seeds through the services: the catalog, an approved partner and its
commission link, agents working every day 07:00–21:00 (Brasília), paid orders with their identity
document ready to book, and orders whose PIX charge waits for the webhook. Then it starts gunicorn
(`--workers`, default 2 × cores + 1, sync workers) with DEBUG=0 and the bench settings (bench/load_settings.py:
the portal plus a bare view) and, at each number of users, runs bench/locustfile.py for `--duration` seconds:
first the customers (link page, order page, slot availability, booking, payment webhook; one buyer through the
checkout), then the bare view alone; a first, unreported run warms the workers up, and at each level the users
arrive over 5 s and the statistics start once all are in. Users wait 0.5–1.5 s between requests, as people do.
Per endpoint it prints throughput and p50/p95/p99, p95 relative to the bare view's, and the errors; it ends:

    load users=50 read_p95_ms=<worst read page> bare_p95_ms=<N> errors=0

Nothing throttles the load: the only limits on these pages count failed order look-ups, and the bench's
look-ups all succeed. Celery messages go to REDIS_URL's database (default redis://127.0.0.1:6379/1, flushed
at the end), with no worker: e-mails are queued, not sent.
"""

import argparse
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _shared import cpf, scratch_database

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
READ_PAGES = ("link page", "order page", "slot availability")
ENDPOINTS = (*READ_PAGES, "booking (POST)", "payment webhook", "checkout (POST)")
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tecnosign")
BENCH_DB = "tecnosign_bench"
RAMP_SECONDS = 5


def bench_env() -> dict[str, str]:
    parts = urlsplit(SERVER)
    return {
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{BENCH_DB}")),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        # A staging deployment: production refuses the sandbox, whose signed webhook the load pays orders with.
        "PAYMENT_GATEWAY": "sandbox",
        "SANDBOX_ALLOWED": "1",
        "SANDBOX_WEBHOOK_SECRET": "bench-webhook-secret",
        "CA_KEY_PASSPHRASE": "bench-only-ca-passphrase-0123456789",
        "PRIVATE_STORAGE_MASTER_KEYS": "YmVuY2gtb25seS1wcml2YXRlLXN0b3JhZ2Uta2V5ISE=",  # 32 bytes, bench only
        "PRIVATE_STORAGE_ROOT": str(WORK / "private"),
        "AUDIT_CHECKPOINT_SIGNING_KEY": "YmVuY2gtb25seS1hdWRpdC1jaGVja3BvaW50LWtleSE=",  # 32 bytes, bench only
        "AUDIT_CHECKPOINT_SINK": str(WORK / "audit-checkpoints"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
    }


def recreate_database() -> None:
    scratch_database(SERVER, BENCH_DB, create=True)


def drop_database() -> None:
    scratch_database(SERVER, BENCH_DB, create=False)


def seed(*, bookable: int, pending: int, agents: int) -> dict:
    """The data the users need, made through the services (passwords hashed with MD5 here only: speed)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(bench_env())
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import override_settings
    from PIL import Image

    from orders.catalog import catalog_load
    from orders.models import Product
    from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sandbox_bank_record, sign
    from orders.services.checkout import HolderData, order_create
    from orders.services.documents import document_attach
    from orders.services.partners import partner_register, partner_set_status
    from orders.services.payments import payment_start, webhook_receive
    from orders.services.referral_links import LinkTerms
    from partners.services.links import link_create
    from scheduling.models import AGENTS_GROUP, AvailabilityRule
    from tecnosign.audit.services import Actor

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    actor = Actor(label="bench")
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (226, 236, 248)).save(buffer, format="PNG")
    identity = buffer.getvalue()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        catalog_load()
        product = Product.objects.get(code="e-cpf-a1-12m")
        partner = partner_register(
            document="11222333000181",
            name="Contabilidade Carga",
            contact_name="Paula Carga",
            email="carga@contab.com.br",
            phone="+5511987654321",
            pix_key="carga@contab.com.br",
            password="Parceiro#Carga1",  # noqa: S106 (the bench partner's; never used to log in)
            actor=actor,
        )
        partner = partner_set_status(partner=partner, status="approved", actor=actor)
        link = link_create(
            partner=partner,
            terms=LinkTerms(name="Carga", benefit="commission", commission_percent=Decimal(10)),
            actor=actor,
        )
        group = Group.objects.get(name=AGENTS_GROUP)
        for i in range(agents):
            agent = get_user_model().objects.create_user(f"agente{i}@bench", is_staff=True)
            agent.groups.add(group)
            AvailabilityRule.objects.bulk_create(
                AvailabilityRule(agent=agent, weekday=weekday, start=clock(7), end=clock(21)) for weekday in range(7)
            )

        def order(i: int):
            return order_create(
                link=link,
                product_code=product.code,
                holder=HolderData(
                    person_name=f"Cliente {i}",
                    person_cpf=cpf(200_000_000 + i),
                    person_birth_date=date(1985, 4, 12),
                    email=f"cliente{i}@exemplo.com.br",
                    mobile="+5511987654321",
                ),
                issuance_password="Emissao#2026",  # noqa: S106 (a bench order's, never checked)
                revocation_password="Revoga#2026x",  # noqa: S106
                lgpd_consent=True,
                actor=actor,
            )

        ready, charges = [], []
        for i in range(bookable):
            made = order(i)
            payment = payment_start(order=made, method="pix", actor=actor)
            sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)
            body = event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount)
            headers = {SIGNATURE_HEADER: sign(body, secret=settings.SANDBOX_WEBHOOK_SECRET)}
            webhook_receive(gateway_name="sandbox", body=body, headers=headers)
            upload = SimpleUploadedFile("rg.png", identity, content_type="image/png")
            document_attach(order=made, kind="identity", identity_type="rg", uploaded=upload, actor=actor)
            ready.append({"number": made.number, "document": made.holder_document})
        for i in range(bookable, bookable + pending):
            payment = payment_start(order=order(i), method="pix", actor=actor)
            # the bank has received it; its callback arrives during the load run
            sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)
            charges.append({"charge_id": payment.charge_id, "amount": f"{payment.amount:.2f}"})
    return {
        "link": link.code,
        "product": product.code,
        "bookable": ready,
        "charges": charges,
        "webhook_secret": settings.SANDBOX_WEBHOOK_SECRET,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, *options: str) -> subprocess.Popen:
    """gunicorn on `port` with the bench's environment, once it answers /healthz; `options`: more of its flags."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "tecnosign.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        *options,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **bench_env()})  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def run_locust(port: int, users: int, duration: int, classes: list[str], prefix: Path) -> dict[str, dict]:
    """`duration` seconds of steady load: the users arrive over RAMP_SECONDS first (their sign-in is a burst
    otherwise), and the statistics start when the last one has arrived."""
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // RAMP_SECONDS)),
        "--reset-stats",
        "--run-time",
        f"{duration + RAMP_SECONDS}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    env = {**os.environ, "BENCH_LOAD_DATA": str(WORK / "load-data.json"), "PYTHONPATH": str(ROOT)}
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=log, stderr=log)  # noqa: S603
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="10,50,100", help="comma-separated levels of concurrent users")
    parser.add_argument("--duration", type=int, default=20, help="seconds per level (and per bare run)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--orders", type=int, default=150, help="paid orders ready to book (one per customer)")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--keep-db", action="store_true", help="keep tecnosign_bench afterwards")
    args = parser.parse_args()
    levels = [int(value) for value in args.users.split(",")]

    WORK.mkdir(parents=True, exist_ok=True)
    recreate_database()
    started = time.monotonic()
    data = seed(bookable=max(args.orders, max(levels)), pending=200, agents=args.agents)
    (WORK / "load-data.json").write_text(json.dumps(data))
    print(f"seeded in {time.monotonic() - started:.0f} s; gunicorn with {args.workers} sync workers", flush=True)

    server = start_gunicorn(free_port(), args.workers)
    port = int(server.args[server.args.index("--bind") + 1].rsplit(":", 1)[1])
    summary = []
    try:
        # Each worker's first requests load templates and open its database connection: not what is measured.
        run_locust(port, levels[0], args.duration // 2, ["Customer", "Buyer"], WORK / "warm-up")
        for users in levels:
            mix = run_locust(port, users, args.duration, ["Customer", "Buyer"], WORK / f"mix-{users}")
            bare = run_locust(port, users, args.duration, ["Bare"], WORK / f"bare-{users}")["bare view"]
            bare_p95 = float(bare["95%"])
            errors = sum(int(row["Failure Count"]) for name, row in mix.items() if name != "Aggregated")
            errors += int(bare["Failure Count"])
            print(f"\n{users} users, {args.duration} s, {args.workers} workers")
            columns = ("req", "req/s", "p50", "p95", "p99", "p95/bare", "errors")
            print(f"{'endpoint':22} " + " ".join(f"{column:>8}" for column in columns))
            for name in (*ENDPOINTS, "bare view"):
                row = bare if name == "bare view" else mix.get(name)
                if row is None:
                    continue
                print(
                    f"{name:22} {row['Request Count']:>8} {float(row['Requests/s']):>8.1f} {row['50%']:>8} "
                    f"{row['95%']:>8} {row['99%']:>8} {float(row['95%']) / bare_p95:>7.1f}x {row['Failure Count']:>8}"
                )
            read_p95 = max(float(mix[name]["95%"]) for name in READ_PAGES if name in mix)
            summary.append(f"load users={users} read_p95_ms={read_p95:.0f} bare_p95_ms={bare_p95:.0f} errors={errors}")
            print(f"errors={errors}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep_db:
            drop_database()
        flush_redis()
    print()
    print("\n".join(summary))


def flush_redis() -> None:
    """The bench's Celery messages (no worker consumed them) go with the run."""
    import redis

    redis.Redis.from_url(bench_env()["REDIS_URL"]).flushdb()


if __name__ == "__main__":
    main()
