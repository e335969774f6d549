"""One beat whatever the replicas: two real `celery beat` processes against Redis share celery-redbeat's lock, only
the holder sends the periodic tasks, and when it is SIGKILLed the standby takes over within one lock period."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings

from conftest import wait_for

# The take-over is timed against the lock: run with the fault tests, one at a time, not beside other tests.
pytestmark = [pytest.mark.redis, pytest.mark.faults]

LOCK_TIMEOUT = 3  # seconds; the loop (and the standby's retry) is then 1 s
PROBE = "tecnosign.tests.beat_probe"


class Beat:
    def __init__(self, name: str, workdir, env: dict[str, str]):
        self.name, self.log = name, workdir / f"beat-{name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tecnosign", "beat", "-l", "INFO"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.origin_prefix = f"gen{self.process.pid}@"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def beats(tmp_path):
    run = uuid.uuid4().hex[:8]
    queue, prefix = f"test-beat-{run}", f"test-redbeat-{run}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tecnosign.tests.beat_settings",
        "TECNOSIGN_TEST_BEAT_QUEUE": queue,
        "BEAT_KEY_PREFIX": prefix,
        "BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "PYTHONUNBUFFERED": "1",
    }
    client = redis.Redis.from_url(settings.REDIS_URL)
    started: list[Beat] = []

    def start(name: str) -> Beat:
        started.append(Beat(name, tmp_path, env))
        return started[-1]

    def sent() -> list[tuple[float, str, str]]:
        """(when the test saw it, task name, origin) of every message the beats sent so far, in order."""
        while (raw := client.rpop(queue)) is not None:
            headers = json.loads(raw)["headers"]
            seen.append((time.monotonic(), headers["task"], headers["origin"]))
        return seen

    seen: list[tuple[float, str, str]] = []
    start.sent, start.client, start.prefix = sent, client, prefix
    yield start
    for beat in started:
        beat.kill()
    client.delete(queue, *client.keys(f"{prefix}*"))


def watch(beats, seconds: float):
    """Collect what the beats send for `seconds`, noting when each message appeared."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        beats.sent()
        time.sleep(0.05)
    return beats.sent()


def probes_from(sent, beat: Beat) -> list[float]:
    return [at for at, task, origin in sent if task == PROBE and origin.startswith(beat.origin_prefix)]


def test_only_the_lock_holder_sends_and_the_standby_takes_over_when_it_dies(beats):
    first = beats("first")
    wait_for(lambda: probes_from(beats.sent(), first), timeout=30)
    second = beats("second")
    wait_for(lambda: "beat: Starting..." in second.log.read_text(), timeout=30)

    watch(beats, 1)  # both running: the first sends, the second waits for the lock
    window_start = time.monotonic()
    sent = watch(beats, 3)
    assert probes_from(sent, first) and not probes_from(sent, second), second.log.read_text()
    in_window = [at for at in probes_from(sent, first) if at >= window_start]
    assert 2 <= len(in_window) <= 4  # once a second: not twice
    assert "Acquired lock" not in second.log.read_text() and second.process.poll() is None

    first.kill()
    killed_at = time.monotonic()
    taken_over_at = wait_for(lambda: (probes := probes_from(beats.sent(), second)) and probes[0], timeout=30)

    # The lock expires LOCK_TIMEOUT s after the first's last renewal and the standby retries every second: one lock
    # period and a loop, plus a second of slack for a loaded CI machine.
    assert taken_over_at - killed_at <= LOCK_TIMEOUT + 1 + 1, taken_over_at - killed_at
    print(f"beat: the standby sent its first task {taken_over_at - killed_at:.1f}s after the holder was SIGKILLed")
    assert "beat: Acquired lock" in second.log.read_text()
    sent = beats.sent()
    assert not [at for at in probes_from(sent, first) if at > killed_at + 0.5]
    # The schedule comes from settings: every production entry was installed for the beats to send.
    statics = {name.decode() for name in beats.client.smembers(f"{beats.prefix}:statics")}
    assert statics == {*settings.CELERY_BEAT_SCHEDULE, "beat-probe"}
