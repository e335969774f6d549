"""Suite-wide fixtures. Services are real: PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set."""

import os
import shutil
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

IN_CI = os.environ.get("TECNOSIGN_CI") == "1"

# The local CA fixtures (`local_ca`), for any app whose tests issue or revoke certificates; a partner with a product
# and a link (`partner`, `product`, `link`), for the partner portal's tests and the query counts.
# A local S3 server and the private storage on it (`s3_private_storage`), for the tests of PRIVATE_STORAGE=s3.
pytest_plugins = ["issuance.tests.fixtures", "partners.tests.fixtures", "tecnosign.tests.s3"]


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "PostgreSQL (set DATABASE_URL=postgres://…)"
    if marker in ("redis", "worker") and not settings.REDIS_URL:
        return "Redis (set REDIS_URL=redis://…)"
    if marker == "browser" and not shutil.which("chromium"):
        return "Chromium (Debian package chromium, installed by scripts/system-deps.sh)"
    if marker == "prism" and not (
        shutil.which("node") and (Path(settings.BASE_DIR) / "node_modules/.bin/prism").exists()
    ):
        return "node and Prism (npm ci installs @stoplight/prism-cli)"
    if marker == "cluster" and (missing := [tool for tool in CLUSTER_TOOLS if not _system_tool(tool)]):
        return ", ".join(missing) + " (Debian packages, installed by scripts/system-deps.sh)"
    if marker == "softhsm" and not _softhsm_present():
        return "SoftHSM2 (Debian package softhsm2, installed by scripts/system-deps.sh)"
    return None


CLUSTER_TOOLS = ("haproxy", "pgbouncer", "redis-server")


def _system_tool(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)


def _softhsm_present() -> bool:
    from tokens.agent.modules import ModuleNotFound, resolve_module

    try:
        resolve_module("softhsm")
    except ModuleNotFound:
        return False
    return shutil.which("softhsm2-util") is not None


@pytest.fixture(autouse=True)
def _services_required(request):
    """Locally a test that needs a missing service is skipped; in CI it fails instead."""
    for marker in ("postgres", "redis", "worker", "softhsm", "browser", "prism", "cluster"):
        if request.node.get_closest_marker(marker) and (missing := _service_missing(marker)):
            message = f"this test needs {missing}"
            if IN_CI:
                pytest.fail(message + " — CI must provide it", pytrace=False)
            pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_truncate_guard():
    """Django empties the database after a transactional test with one TRUNCATE of every table, which the audit
    tables refuse (audit migration 0003). The test flush runs as a replica session, which fires no trigger — a
    superuser's privilege, as a restore into a scratch database would be."""
    from unittest import mock

    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    with mock.patch.object(DatabaseOperations, "sql_flush", sql_flush):
        yield


@pytest.fixture(autouse=True)
def _audit_checkpoint_sink(settings, tmp_path):
    """Each test signs its audit checkpoints into a directory of its own: its rows are rolled back, files are not."""
    settings.AUDIT_CHECKPOINT_SINK = str(tmp_path / "audit-checkpoints")


@pytest.fixture(autouse=True)
def _clean_cache():
    from orders.selectors import order_ids_forget

    cache.clear()
    order_ids_forget()  # a rolled-back test's order number may come again with another id
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _clean_link_visit_counters():
    """The link pages' visit counters live in Redis (not the test cache): each test starts without any."""
    url = settings.REDIS_URL
    _forget_link_visits(url)
    yield
    _forget_link_visits(url)


def _forget_link_visits(url: str) -> None:
    if url:
        from orders.services.link_visits import key_prefix

        client = redis.Redis.from_url(url)
        if keys := list(client.scan_iter(match=f"{key_prefix()}*")):
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_sms_outbox():
    """The locmem SMS backend's outbox starts empty in every test, as Django's mail.outbox does."""
    from tecnosign.notifications import sms

    sms.outbox.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit effects (tasks, e-mails) of what the test does inside a TestCase transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (threads) consuming from Redis, on a queue of its own for this test."""
    import uuid

    from celery.contrib.testing.worker import start_worker

    from tecnosign.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING", queues=[queue]
        ):
            yield app
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


def wait_for(predicate, *, timeout: float = 15.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy (work done by another thread or process); fail after `timeout`."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def customer(client):
    """`customer(order)` → a client whose session may see the order (as after checkout or the look-up)."""
    from orders.services.access import SESSION_KEY

    def open_order(order):
        session = client.session
        session[SESSION_KEY] = [*session.get(SESSION_KEY, []), order.number]
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key  # a lapsed session gets a new key
        return client

    return open_order


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin client, signed in with the password and a verified second factor, as the admin
    requires of every staff session (tecnosign/tests/auth.py)."""
    from tecnosign.tests.auth import staff_login

    return staff_login(None, admin_user)
