"""The portal behind PgBouncer in transaction mode (DB_PGBOUNCER=1): a real pgbouncer (Debian's) started in front of
the test database, the test's database connection switched onto it with the options the settings give it, and a
checkout → pay by signed webhook → upload → audit verification journey driven through it; and a control showing
what the setting prevents.

In transaction mode each transaction may run on another server connection, so nothing may rely on session state
across transactions: no advisory locks, no session-level SET, no server-side cursors (`.iterator()` would declare
one WITH HOLD; DB_PGBOUNCER turns them off)."""

import io
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection

from conftest import IN_CI, wait_for
from orders.models import Order, Payment
from orders.tests.factories import LinkFactory, ProductFactory
from orders.tests.files import clean_pdf
from orders.tests.test_checkout_journey import VALID_CPF_FORM
from orders.tests.test_payments import paid_body, post_webhook
from tecnosign.audit.models import AuditEvent

from .settings_probe import settings_under

pytestmark = pytest.mark.postgres
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer():
    """pgbouncer, transaction pooling, on a free port, forwarding every database to the test PostgreSQL server."""
    if not os.path.exists(PGBOUNCER):
        missing = "this test needs pgbouncer (Debian package pgbouncer, installed by scripts/system-deps.sh)"
        if IN_CI:
            pytest.fail(missing + " — CI must provide it", pytrace=False)
        pytest.skip(missing)
    target = connection.settings_dict
    # pgbouncer refuses to run as root: it runs as postgres (-u), so its files are where that user reads them.
    workdir = Path(tempfile.mkdtemp(prefix="tecnosign-pgbouncer-"))
    workdir.chmod(0o755)
    port = _free_port()
    user = target["USER"] or "postgres"
    (workdir / "users.txt").write_text(f'"{user}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={target['HOST'] or '127.0.0.1'} port={target['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {workdir / 'users.txt'}\nadmin_users = {user}\n"
        "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 100\n"
        # Round robin, not LIFO: consecutive transactions of one client land on different server connections (when
        # more than one is idle), so session state relied upon across transactions fails here every time.
        "server_round_robin = 1\n"
        "server_reset_query =\nignore_startup_parameters = extra_float_digits\n"
    )
    command = [PGBOUNCER, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    log = workdir / "pgbouncer.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_for(lambda: _listening(port) or process.poll() is not None, timeout=20)
        assert process.poll() is None, log.read_text()
        yield {"port": port, "user": user, "log": log}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def transactions_through(pgbouncer, database: str) -> int:
    """How many transactions pgbouncer has carried to `database` (its admin console's SHOW STATS)."""
    admin = psycopg2.connect(host="127.0.0.1", port=pgbouncer["port"], dbname="pgbouncer", user=pgbouncer["user"])
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SHOW STATS")
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        admin.close()
    return sum(row["total_xact_count"] for row in rows if row["database"] == database)


def warm(pgbouncer, database: str, servers: int = 2) -> None:
    """Make pgbouncer open `servers` server connections to `database` (concurrent transactions), then free them."""
    clients = [
        psycopg2.connect(host="127.0.0.1", port=pgbouncer["port"], dbname=database, user=pgbouncer["user"])
        for _ in range(servers)
    ]
    for client in clients:
        with client.cursor() as cursor:
            cursor.execute("SELECT 1")
    for client in clients:
        client.commit()
        client.close()


@pytest.fixture
def through_pgbouncer(transactional_db, pgbouncer):
    """The test's database connection goes through pgbouncer, with the options DB_PGBOUNCER=1 gives it."""
    options = settings_under(
        {"DB_PGBOUNCER": "1", "DATABASE_URL": "postgres://u@db.example:6432/tecnosign"},
        "{k: settings.DATABASES['default'].get(k) for k in ('DISABLE_SERVER_SIDE_CURSORS', 'CONN_MAX_AGE')}",
    )
    assert options == {"DISABLE_SERVER_SIDE_CURSORS": True, "CONN_MAX_AGE": 0}
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(pgbouncer["port"]), **options)
    warm(pgbouncer, connection.settings_dict["NAME"])
    try:
        yield pgbouncer
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_a_server_side_cursor_breaks_behind_transaction_pooling_and_db_pgbouncer_turns_them_off(through_pgbouncer):
    # A control: with server-side cursors on, `.iterator()` declares a cursor WITH HOLD in one transaction and
    # fetches from it in the next, which pgbouncer runs on another server connection.
    expected = Permission.objects.count()
    connection.close()
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = False
    with pytest.raises(DatabaseError, match="does not exist"):
        list(Permission.objects.iterator(chunk_size=1))
    connection.close()
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True  # what DB_PGBOUNCER=1 sets

    assert len(list(Permission.objects.iterator(chunk_size=1))) == expected > 10


def test_checkout_payment_upload_and_audit_through_pgbouncer_in_transaction_mode(client, through_pgbouncer):
    database = connection.settings_dict["NAME"]
    before = transactions_through(through_pgbouncer, database)
    product, link = ProductFactory(), LinkFactory()

    created = client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)
    order = Order.objects.get()
    assert created.status_code == 302 and order.status == Order.Status.AWAITING_PAYMENT
    client.post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get(order=order)
    paid = post_webhook(client, paid_body(payment))
    assert paid.status_code == 200 and paid.json()["outcome"] == "applied"
    uploaded = client.post(
        f"/pedido/{order.number}/documentos/",
        {"kind": "identity", "identity_type": "cnh", "files": [SimpleUploadedFile("cnh.pdf", clean_pdf())]},
        follow=True,
    )
    assert "Recebemos: cnh.pdf." in uploaded.text

    order.refresh_from_db()
    assert order.status == Order.Status.DOCUMENTS_RECEIVED
    assert [message.subject for message in mail.outbox if "Pagamento confirmado" in message.subject]
    # The audit chain read back with .iterator() (chunks fetched client-side now) and checked.
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out, stderr=io.StringIO())
    assert AuditEvent.objects.filter(action="order.created").count() == 1
    assert "audit log intact" in out.getvalue(), out.getvalue()
    # Every query went through the pooler: it counted this test's transactions.
    time.sleep(0.1)
    assert transactions_through(through_pgbouncer, database) - before > 20
