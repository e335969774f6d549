"""Fixtures of the fault tests: private Redis and PostgreSQL servers to stop and restart, workers to kill.

Never the machine's shared servers: other test runs use them. Each server here lives in a temporary directory
on a free port and dies with the test.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from conftest import IN_CI, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def require(executable: str) -> str:
    """The path of a server binary; locally a test without it is skipped, in CI it fails (as the markers do)."""
    found = shutil.which(executable) or (executable if Path(executable).is_file() else None)
    if found is None:
        message = f"this test needs {executable}"
        if IN_CI:
            pytest.fail(message + " — CI must provide it", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_test_database_url() -> str:
    """The test database as a URL, for processes that must see what the test writes (transactional tests)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class RedisServer:
    """A `redis-server` of our own, not started until `start()`."""

    def __init__(self, workdir: Path):
        self.binary = require("redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.workdir / f"redis-{self.port}.log", "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
                [
                    *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir)),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: self._answers(client), timeout=10)

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


class PostgresCluster:
    """A PostgreSQL 15 cluster of our own (initdb in a temporary directory), to stop and start at will.

    initdb and the server refuse to run as root, so as root (CI) they run as the `postgres` system user.
    """

    def __init__(self):
        require(str(PG_BIN / "initdb"))
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tecnosign-pg-"))
        self.data = self.root / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/tecnosign"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)  # noqa: S603

    def init(self) -> None:
        initdb = str(PG_BIN / "initdb")
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N")
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "tecnosign")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "log")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres():
    cluster = PostgresCluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.destroy()


class WorkerProcess:
    """`celery -A tecnosign worker` in a process of its own (solo pool), on the test database and `redis_url`."""

    def __init__(self, *, redis_url: str, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tecnosign.tests.faults.worker_settings",
            "DATABASE_URL": shared_test_database_url(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": redis_url,
            "TECNOSIGN_TEST_MAIL_DIR": str(self.mail_dir),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.env.pop("CACHE_URL", None)
        self.process: subprocess.Popen | None = None
        self.id = uuid.uuid4().hex[:8]
        self.log = workdir / f"worker-{self.id}.log"

    def start(self) -> None:
        name = f"faults-{self.id}@%h"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
                [
                    *(sys.executable, "-m", "celery", "-A", "tecnosign", "worker", "-P", "solo", "-l", "INFO"),
                    *("-n", name, "--without-heartbeat", "--without-gossip", "--without-mingle"),
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        try:
            wait_for(lambda: "ready." in self.log.read_text() or self.process.poll() is not None, timeout=60)
        except AssertionError:
            self.kill()
            raise
        assert self.process.poll() is None, self.log.read_text()

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no cleanup — as when the machine or the OOM killer takes it."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def ran(self, task: str, result: str) -> bool:
        """Whether this worker ran `task` to `result` (from its log)."""
        return (
            re.search(
                rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded in \S+ '{re.escape(result)}'", self.log.read_text()
            )
            is not None
        )

    def sent_keys(self) -> list[str]:
        """The outbox keys of every e-mail the worker delivered (the X-TecnoSign-Message header), repeats kept."""
        keys = []
        for path in self.mail_dir.iterdir():
            for line in path.read_text().splitlines():
                if line.startswith("X-TecnoSign-Message: "):
                    keys.append(line.removeprefix("X-TecnoSign-Message: "))
        return keys


@pytest.fixture
def worker_process(transactional_db, tmp_path):
    """`worker_process(redis_url, **env)` → a started worker subprocess; every one is stopped at the end."""
    workers = []

    def start(redis_url: str, **env: str) -> WorkerProcess:
        worker = WorkerProcess(redis_url=redis_url, workdir=tmp_path, env=env)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()


@contextmanager
def app_publishing_to(url: str):
    """This process's Celery app publishing to `url` (not running tasks in-process), as the web app does."""
    from tecnosign.celery import app

    def forget_connections():
        # As Celery does after a fork: the next publish opens a connection to the broker configured now.
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    forget_connections()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        forget_connections()


def wait_until_quiet(predicate, *, settle: float = 1.0, timeout: float = 30.0):
    """Wait for `predicate()` to hold, then make sure it still holds `settle` seconds later (no late duplicate)."""
    wait_for(predicate, timeout=timeout)
    time.sleep(settle)
    assert predicate()
