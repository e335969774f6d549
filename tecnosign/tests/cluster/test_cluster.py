"""The proof of issue 21: a cluster on one machine, with one web node, one worker and the active beat SIGKILLed while
customers buy.

Started from the test, each its own process with its own environment, as separate machines would have them:
PostgreSQL (the test database) behind PgBouncer in transaction mode; a Redis of its own; a moto S3 server for the
documents; two gunicorn web nodes (production settings, DEBUG=0, staging's SANDBOX_ALLOWED=1, each with its own local
disk) behind HAProxy (health checks; a connection refused is retried on the other node for every request, a request
the dead node took is retried only when it is idempotent); two Celery workers (mail written to files); two beats
(celery-redbeat, 3-second lock).

Customers go through the load balancer: checkout from a referral link, pay by the sandbox's signed webhook (the
sandbox's bank records the charge first), upload a document, book a videoconference; a reader keeps requesting pages.
Mid-run the first web node, one worker and the beat holding the lock are SIGKILLed. Afterwards nothing the customers
were told was done is lost, every document is read back through the surviving node, every e-mail owed went out
exactly once, the probe task fired once per period across the beats, and only requests the dying node held answered
5xx — none of them idempotent.
"""

import base64
import itertools
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import time as clock_time
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings

from conftest import wait_for
from orders.models import Document, Order, Payment
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sandbox_bank_record, sign
from orders.tests.factories import LinkFactory, ProductFactory
from orders.tests.files import clean_pdf
from orders.tests.test_checkout_journey import VALID_CPF_FORM
from scheduling.models import Booking
from scheduling.tests.factories import make_agent
from tecnosign.notifications.models import OutboxMessage
from tecnosign.tests.auth import staff_login
from tecnosign.tests.faults.conftest import RedisServer, WorkerProcess, free_port
from tecnosign.tests.test_beat_lock import Beat
from tecnosign.tests.test_pgbouncer import pgbouncer  # noqa: F401 (the fixture, module-scoped)

from .probe import RUNS_KEY

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]
log = logging.getLogger("tecnosign.cluster-test")

LOCK_TIMEOUT = 3  # the beats' lock, seconds
PROBE_PERIOD = 4.0  # the probe task's schedule, seconds (longer than the lock: the standby takes over within one)
VISIBILITY_TIMEOUT = 5  # a task a killed worker held goes back to the queue after this
WEBHOOK_SECRET = "cluster-test-webhook-secret"
PDF = clean_pdf()
CUSTOMERS = 3
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def say(message: str) -> None:
    """The test's log: stdout (pytest shows it with -s and on failure) and the logging capture."""
    line = f"[cluster {time.strftime('%H:%M:%S')}] {message}"
    print(line, flush=True)
    log.warning(message)


# ---------------------------------------------------------------------------------------------------------------
# The machines
# ---------------------------------------------------------------------------------------------------------------


def base_env(*, redis_url: str, database_url: str, s3_endpoint: str, bucket: str, keys: dict[str, str]) -> dict:
    """What every machine of the cluster is configured with (its own copy: per-machine values are added)."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": keys["secret"],
        "AUDIT_CHECKPOINT_SIGNING_KEY": keys["audit"],
        "PRIVATE_STORAGE_MASTER_KEYS": keys["storage"],
        "CA_KEY_PASSPHRASE": "cluster-test-only-ca-passphrase-0123456789",
        "PAYMENT_GATEWAY": "sandbox",
        "SANDBOX_ALLOWED": "1",  # staging: the sandbox is the gateway
        "SANDBOX_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP behind the test's load balancer
        "DATABASE_URL": database_url,
        "DB_PGBOUNCER": "1",
        "REDIS_URL": redis_url,
        "PRIVATE_STORAGE": "s3",
        "PRIVATE_S3_BUCKET": bucket,
        "PRIVATE_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "OUTBOX_STALE_CLAIM_SECONDS": "15",  # a claim the killed worker left is swept soon (600 s in production)
        "BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "TECNOSIGN_TEST_PROBE_PERIOD": str(PROBE_PERIOD),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CACHE_URL", "DJANGO_SETTINGS_MODULE", "TECNOSIGN_CI"):
        env.pop(name, None)
    return env


class WebNode:
    """gunicorn serving the portal, in a process group of its own, with a local disk of its own."""

    def __init__(self, name: str, env: dict, workdir: Path):
        self.name, self.port = name, free_port()
        self.log = workdir / f"web-{name}.log"
        env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "tecnosign.tests.cluster.web_settings",
            "TECNOSIGN_VAR_DIR": str(workdir / f"var-{name}"),
        }
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
                [
                    *(sys.executable, "-m", "gunicorn", "tecnosign.wsgi:application", "-b", f"127.0.0.1:{self.port}"),
                    *("--workers", "1", "--threads", "8", "--timeout", "60", "--graceful-timeout", "5"),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class LoadBalancer:
    """HAProxy in front of the web nodes: round robin, a health check every 300 ms, retries on the other node."""

    def __init__(self, nodes: list[WebNode], workdir: Path):
        self.port = free_port()
        self.log = workdir / "haproxy.log"
        servers = "\n".join(
            f"  server {node.name} 127.0.0.1:{node.port} check inter 500ms fall 2 rise 2" for node in nodes
        )
        config = workdir / "haproxy.cfg"
        config.write_text(
            "global\n  maxconn 512\n"
            "defaults\n  mode http\n  timeout connect 1s\n  timeout check 5s\n"
            "  timeout client 60s\n  timeout server 60s\n"
            "  option httplog\n  log stdout format raw local0\n"
            f"frontend portal\n  bind 127.0.0.1:{self.port}\n  default_backend web\n"
            "backend web\n  balance roundrobin\n"
            "  option httpchk\n  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1\n"
            "  http-check expect status 200\n"
            # A refused connection (nothing was sent) is retried on another node for any request; a request the node
            # took and died with (empty response, 502/503/504) only when it is idempotent.
            "  retries 3\n  option redispatch 1\n"
            "  retry-on conn-failure empty-response response-timeout 502 503 504\n"
            "  http-request disable-l7-retry unless METH_GET || METH_HEAD\n"
            f"{servers}\n"
        )
        check = subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True)  # noqa: S603
        assert check.returncode == 0, check.stdout + check.stderr
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
                [HAPROXY, "-db", "-f", str(config)], stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Cluster:
    lb: LoadBalancer
    nodes: list[WebNode]
    workers: list[WorkerProcess]
    beats: list[Beat]
    redis: redis.Redis
    mail_dir: Path
    bucket: str
    s3: object
    secret_key: str


@pytest.fixture
def cluster(transactional_db, pgbouncer, moto_s3_endpoint):  # noqa: F811 (pgbouncer: the imported fixture)
    import boto3

    workdir = Path(tempfile.mkdtemp(prefix="tecnosign-cluster-"))
    workdir.chmod(0o755)
    artifacts = os.environ.get("ARTIFACTS_DIR")
    redis_server = RedisServer(workdir)
    redis_server.start()
    bucket = f"tecnosign-cluster-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client(
        "s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )  # fmt: skip
    s3.create_bucket(Bucket=bucket)
    db = settings.DATABASES["default"]
    database_url = f"postgres://{pgbouncer['user']}@127.0.0.1:{pgbouncer['port']}/{db['NAME']}"
    keys = {
        "secret": "cluster-test-only-" + uuid.uuid4().hex * 2,
        "audit": base64.b64encode(os.urandom(32)).decode(),
        "storage": base64.b64encode(os.urandom(32)).decode(),
    }
    env = base_env(
        redis_url=redis_server.url, database_url=database_url, s3_endpoint=moto_s3_endpoint, bucket=bucket, keys=keys
    )
    say(f"PostgreSQL {db['NAME']} behind pgbouncer :{pgbouncer['port']}, Redis :{redis_server.port}, S3 {bucket}")
    nodes = [WebNode(name, env, workdir) for name in ("web1", "web2")]
    beat_env = {**env, "DJANGO_SETTINGS_MODULE": "tecnosign.tests.cluster.beat_settings"}
    beats = [Beat(name, workdir, beat_env) for name in ("a", "b")]
    workers, lb = [], None
    try:
        for _ in range(2):
            worker = WorkerProcess(
                redis_url=redis_server.url,
                workdir=workdir,
                env={**env, "DJANGO_SETTINGS_MODULE": "tecnosign.tests.cluster.worker_settings"},
            )
            worker.env["DATABASE_URL"] = database_url  # through pgbouncer, as the web nodes
            workers.append(worker)
        starting = [threading.Thread(target=worker.start) for worker in workers]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()
        for worker in workers:
            assert worker.process is not None and worker.process.poll() is None, worker.log.read_text()
            say(f"worker {worker.id} ready (pid {worker.process.pid})")
        for node in nodes:
            wait_for(node.healthy, timeout=60)
            say(f"web node {node.name} healthy on :{node.port} (pid {node.process.pid})")
        lb = LoadBalancer(nodes, workdir)
        wait_for(lambda: _get_ok(lb.url + "/healthz"), timeout=20)
        say(f"HAProxy on :{lb.port}")
        # Both beats started together: one takes the lock, the other waits for it.
        wait_for(lambda: any("Acquired lock" in beat.log.read_text() for beat in beats), timeout=60)
        wait_for(lambda: all("beat: Starting..." in beat.log.read_text() for beat in beats), timeout=60)
        beats.sort(key=lambda beat: "Acquired lock" not in beat.log.read_text())  # the holder first
        holder, standby = beats
        assert "Acquired lock" not in standby.log.read_text()
        say(f"beat {holder.name} holds the lock (pid {holder.process.pid}), beat {standby.name} stands by "
            f"(pid {standby.process.pid})")  # fmt: skip
        yield Cluster(
            lb=lb,
            nodes=nodes,
            workers=workers,
            beats=beats,
            redis=redis.Redis.from_url(redis_server.url),
            mail_dir=workers[0].mail_dir,
            bucket=bucket,
            s3=s3,
            secret_key=keys["secret"],
        )
    finally:
        for beat in beats:
            beat.kill()
        if lb is not None:
            lb.stop()
        for node in nodes:
            node.stop()
        for worker in workers:
            worker.stop()
        redis_server.stop()
        if artifacts:
            target = Path(artifacts) / "cluster"
            target.mkdir(parents=True, exist_ok=True)
            for path in workdir.glob("*.log"):
                shutil.copy(path, target / path.name)
        shutil.rmtree(workdir, ignore_errors=True)


def _get_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


# ---------------------------------------------------------------------------------------------------------------
# The customers
# ---------------------------------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RETRIED = re.compile(r' \d+/\d+/\d+/\d+/(\+?[1-9]\d*) \d+/\d+ "(\w+ \S+)')  # HAProxy's log: retries
SLOT = re.compile(r'name="slot" value="([^"]+)"')


@dataclass
class Answer:
    at: float
    method: str
    path: str
    status: int  # 0: no answer at all
    error: str = ""
    ended: float = 0.0


@dataclass
class Journey:
    number: str = ""
    paid: bool = False
    uploaded: bool = False
    booked: bool = False
    email: str = ""


@dataclass
class Traffic:
    answers: list[Answer] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Browser:
    """A customer's browser on plain HTTP: keeps the portal's cookies although they are marked Secure (TLS ends
    at the real load balancer; this test's speaks HTTP)."""

    def __init__(self, base: str, traffic: Traffic):
        self.base, self.traffic, self.session = base, traffic, requests.Session()

    def request(self, method: str, path: str, **kwargs) -> requests.Response | None:
        """One request, recorded; a POST the load balancer answers 5xx (its node died holding it) is tried again,
        as the customer would press the button again."""
        for _ in range(4):
            started = time.monotonic()
            try:
                response = self.session.request(method, self.base + path, timeout=30, allow_redirects=False, **kwargs)
            except requests.RequestException as error:
                self.traffic.answers.append(Answer(started, method, path, 0, repr(error), time.monotonic()))
                continue
            for cookie in self.session.cookies:
                cookie.secure = False
            self.traffic.answers.append(Answer(started, method, path, response.status_code, ended=time.monotonic()))
            if response.status_code < 500:
                return response
            time.sleep(0.3)
        return None

    def form_token(self, path: str) -> str:
        page = self.request("GET", path)
        assert page is not None and page.status_code == 200, (path, page and page.status_code)
        return CSRF.search(page.text)[1]


def journey(base: str, traffic: Traffic, link, product, n: int) -> None:
    browser, done = Browser(base, traffic), Journey()
    traffic.journeys.append(done)
    cpf = _cpf(n)
    form = {**VALID_CPF_FORM, "person_cpf": cpf, "email": f"cliente{n}@exemplo.com.br"}
    start = f"/l/{link.code}/{product.code}/"
    created = browser.request("POST", start, data={**form, "csrfmiddlewaretoken": browser.form_token(start)})
    assert created is not None and created.status_code == 302, created and created.text[:500]
    done.number = re.fullmatch(r"/pedido/([^/]+)/", created.headers["Location"])[1]
    done.email = form["email"].lower()
    order_page = f"/pedido/{done.number}/"
    paying = browser.request(
        "POST", f"{order_page}pagamento/", data={"method": "pix", "csrfmiddlewaretoken": browser.form_token(order_page)}
    )
    assert paying is not None and paying.status_code in (200, 302), paying and paying.status_code

    payment = Payment.objects.filter(order__number=done.number).latest("id")
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)  # the bank first
    body = event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    paid = browser.request(
        "POST",
        "/payments/webhooks/sandbox/",
        data=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret=WEBHOOK_SECRET)},
    )
    assert paid is not None and paid.status_code == 200 and paid.json()["outcome"] in ("applied", "duplicate"), (
        paid and paid.text
    )
    done.paid = True

    documents = f"{order_page}documentos/"
    uploaded = browser.request(
        "POST",
        documents,
        data={"kind": "identity", "identity_type": "cnh", "csrfmiddlewaretoken": browser.form_token(order_page)},
        files={"files": ("cnh.pdf", PDF, "application/pdf")},
    )
    assert uploaded is not None and uploaded.status_code == 302, uploaded and uploaded.text[:500]
    after = browser.request("GET", uploaded.headers["Location"])
    assert after is not None and "Recebemos: cnh.pdf." in after.text, after and after.text[:500]
    done.uploaded = True

    booking = f"{order_page}agendar/"
    for _ in range(5):
        page = browser.request("GET", booking)
        assert page is not None and page.status_code == 200, page and page.status_code
        slots = SLOT.findall(page.text)
        assert slots, page.text[:2000]
        token = CSRF.search(page.text)[1]
        booked = browser.request("POST", booking, data={"slot": slots[n % len(slots)], "csrfmiddlewaretoken": token})
        if booked is not None and booked.status_code == 302 and booked.headers["Location"] == order_page:
            done.booked = True
            return
    raise AssertionError(f"order {done.number}: no slot could be booked")


def _cpf(n: int) -> str:
    from orders.tests.factories import valid_cpf

    return valid_cpf(n)


def reader(base: str, traffic: Traffic, stop: threading.Event) -> None:
    """Idempotent reads all along: the public pages and an order page (database, cache, sessions)."""
    browser = Browser(base, traffic)
    paths = ["/healthz", "/ajuda/?q=certificado", "/", "/pedido/"]
    n = 0
    while not stop.is_set():
        browser.request("GET", paths[n % len(paths)])
        n += 1
        time.sleep(0.02)


# ---------------------------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------------------------


def test_a_cluster_loses_nothing_when_a_web_node_a_worker_and_the_beat_are_killed(cluster):
    product, link = ProductFactory(), LinkFactory()
    every_day, all_day = tuple(range(7)), ((clock_time(0, 0), clock_time(23, 59)),)
    agents = [make_agent(f"agente{i}", weekdays=every_day, windows=all_day) for i in range(3)]
    assert agents

    traffic, stop = Traffic(), threading.Event()
    counter = iter(range(50_000, 10**6))

    def customer():
        while not stop.is_set():
            try:
                journey(cluster.lb.url, traffic, link, product, next(counter))
            except Exception as error:
                traffic.errors.append(f"{error!r} at {time.monotonic() - began:.1f}s\n{traceback.format_exc()}")
                return
            finally:
                connection.close()  # this thread's own database connection

    threads = [threading.Thread(target=customer) for _ in range(CUSTOMERS)]
    threads.append(threading.Thread(target=reader, args=(cluster.lb.url, traffic, stop)))
    began = time.monotonic()
    for thread in threads:
        thread.start()
    kills: dict[str, float] = {}
    try:
        time.sleep(6)
        doomed_node, survivor = cluster.nodes
        doomed_node.kill()
        kills["web"] = time.monotonic()
        say(f"SIGKILL web node {doomed_node.name} (pid {doomed_node.process.pid})")
        time.sleep(4)
        doomed_worker = cluster.workers[0]
        doomed_worker.kill()
        kills["worker"] = time.monotonic()
        say(f"SIGKILL worker {doomed_worker.id} (pid {doomed_worker.process.pid})")
        time.sleep(3)
        holder, standby = cluster.beats
        assert "Acquired lock" in holder.log.read_text() and "Acquired lock" not in standby.log.read_text()
        holder.kill()
        kills["beat"] = time.monotonic()
        say(f"SIGKILL the beat holding the lock (beat {holder.name}, pid {holder.process.pid})")
        wait_for(lambda: "Acquired lock" in standby.log.read_text(), timeout=LOCK_TIMEOUT + 10)
        say(f"beat {standby.name} took the lock {time.monotonic() - kills['beat']:.1f}s after the kill")
        time.sleep(2 * PROBE_PERIOD + 1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    ended = time.monotonic()
    say(
        f"traffic stopped after {ended - began:.0f}s: {len(traffic.answers)} requests, {len(traffic.journeys)} journeys"
    )

    failed = [a for a in traffic.answers if a.status >= 500 or a.status == 0]
    say(f"5xx or no answer: {[(a.method, a.path, a.status, round(a.at - kills['web'], 2), a.error) for a in failed]}")
    # Every customer journey either finished or was stopped by the test, none failed
    assert not traffic.errors, traffic.errors
    finished = [j for j in traffic.journeys if j.booked]
    assert len(finished) >= CUSTOMERS, traffic.journeys
    say(f"{len(finished)} journeys finished (checkout, payment, document, booking)")

    # No lost order, payment, document or booking: what the customer was told was done is in the database
    for done in traffic.journeys:
        if not done.number:
            continue
        order = Order.objects.get(number=done.number)
        if done.paid:
            assert Payment.objects.filter(order=order, status=Payment.Status.PAID).count() == 1, done
        if done.uploaded:
            assert Document.objects.filter(order=order).exists(), done
        if done.booked:
            assert Booking.objects.filter(order=order, status="scheduled").count() == 1, done
            assert order.status == Order.Status.SCHEDULED, (done, order.status)

    # Every document is in the bucket and reads back, in clear, through the surviving node
    staff = get_user_model().objects.create_superuser("cluster-admin", "admin@ts.test", "x" * 20)
    with override_settings(SECRET_KEY=cluster.secret_key):  # the session as the cluster signs and checks it
        session = staff_login(None, staff).cookies[settings.SESSION_COOKIE_NAME].value
    keys = {item["Key"] for item in cluster.s3.list_objects_v2(Bucket=cluster.bucket).get("Contents", [])}
    documents = list(Document.objects.all())
    assert documents and {document.file.name for document in documents} <= keys
    for document in documents:
        served = requests.get(
            f"{survivor.url}/retaguarda/documentos/{document.public_id}/arquivo/",
            cookies={settings.SESSION_COOKIE_NAME: session},
            timeout=30,
            allow_redirects=False,
        )
        assert served.status_code == 200 and served.content == PDF, (document.public_id, served.status_code)
    for line in cluster.lb.log.read_text().splitlines():
        if line.startswith("Server web/"):
            say("HAProxy: " + line)
    retried = RETRIED.findall(cluster.lb.log.read_text())
    say(f"HAProxy retried (+: on the other node) {len(retried)} requests: {retried}")
    say(f"{len(documents)} documents read back through {survivor.name}")

    # Each e-mail owed was delivered exactly once (the workers, the survivor finishing what the dead one held)
    owed = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL)

    def all_sent() -> bool:
        return not owed.exclude(status=OutboxMessage.Status.SENT).exists()

    wait_for(all_sent, timeout=40)
    time.sleep(1)
    sent = _sent_keys(cluster.mail_dir)
    owed_keys = sorted(owed.values_list("key", flat=True))
    duplicates = {key for key in sent if sent.count(key) > 1}
    assert not duplicates, duplicates
    assert sorted(sent) == owed_keys
    recipients = set(owed.values_list("recipient", flat=True))
    assert {j.email for j in finished} <= recipients
    say(f"{len(sent)} e-mails delivered, each once")

    # Each probe period fired once across the two beats; the standby took over within one period
    runs = sorted((json.loads(raw)["at"], raw) for raw in cluster.redis.hvals(RUNS_KEY))
    times = [at for at, _ in runs]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    say("probe gaps: " + " ".join(f"{gap:.1f}" for gap in gaps))
    assert len(times) >= 5, times
    assert min(gaps) > PROBE_PERIOD / 2, gaps  # never twice in a period
    assert max(gaps) < 2 * PROBE_PERIOD, gaps  # never a period missed, the take-over included
    assert all(json.loads(raw)["stamped"] for _, raw in runs)  # the times are the beats' own
    origins = [json.loads(raw)["origin"] for _, raw in runs]
    assert len({o for o in origins if o}) == 2, origins  # both beats sent, one after the other

    # No 5xx but from the node that died, and only for requests that could not be retried (POST)
    for answer in failed:
        assert answer.method == "POST", answer
        # in flight when the node died, or sent in the moment before HAProxy saw it gone
        assert answer.ended >= kills["web"] - 0.5 and answer.at <= kills["web"] + 1.5, (answer, kills)
    reads = [a for a in traffic.answers if a.method == "GET"]
    assert reads and all(a.status < 500 for a in reads)
    assert [a for a in reads if kills["web"] < a.at < kills["web"] + 2]  # the reader kept reading across the kill


def _sent_keys(mail_dir: Path) -> list[str]:
    keys = []
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("X-TecnoSign-Message: "):
                keys.append(line.removeprefix("X-TecnoSign-Message: "))
    return keys
