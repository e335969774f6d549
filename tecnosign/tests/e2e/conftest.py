"""Fixtures of the end-to-end tests: Debian's Chromium through Playwright against pytest-django's live server,
the server's clock under the test's control, and people (customer, partner, agent, verifier) each in their own
browser context — separate cookies, as separate computers would have."""

import os
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections

from .browser import AXE_SOURCE, PKI_BUNDLE, screenshots_dir, watch_csp

IN_CI = os.environ.get("TECNOSIGN_CI") == "1"
BRASILIA = ZoneInfo("America/Sao_Paulo")
# A Tuesday morning with no holiday near it: slots open at 09:00, the boleto's business days are plain.
JOURNEY_START = datetime(2026, 12, 1, 7, 50, tzinfo=BRASILIA)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 30_000  # generous: CI is a 2-core machine that may be busy


def _need(what: str) -> None:
    message = f"this test needs {what}"
    if IN_CI:
        pytest.fail(message + " — CI must provide it", pytrace=False)
    pytest.skip(message)


# Chromium's fake camera, granted without asking: for the modules whose pages capture video (the dossier's face
# capture). A module asks for it with `CHROMIUM_ARGS = FAKE_CAMERA`.
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def chromium(request):
    """One browser per test module (each test opens its own contexts). Never a downloaded browser. A module's
    `CHROMIUM_ARGS` are added to the launch (the fake camera)."""
    executable = shutil.which("chromium")
    if executable is None:
        _need("Chromium (Debian package chromium, installed by scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own database reads stay synchronous.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            extra = list(getattr(request.module, "CHROMIUM_ARGS", []))
            browser = playwright.chromium.launch(executable_path=executable, args=[*LAUNCH_ARGS, *extra])
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_browser(chromium, live_server, request):
    """`open_browser()` → a page in a fresh context (its own cookies), on the live server, in Brasília.

    When the test fails, each page's last state is saved under `screenshots/failures/` for the CI artifacts. Every
    Content-Security-Policy violation a page raises is collected (`watch_csp`), and a test that passed fails at
    teardown when there was any: no browser test may run into the portal's own policy."""
    contexts = []

    def open_page():
        context = chromium.new_context(
            base_url=live_server.url,
            locale="pt-BR",
            timezone_id="America/Sao_Paulo",
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        context.csp_violations = watch_csp(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = screenshots_dir() / "failures"
        folder.mkdir(exist_ok=True)
        for number, context in enumerate(contexts, start=1):
            for page in context.pages:
                page.screenshot(path=str(folder / f"{request.node.name[:80]}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()
    # The event loop's thread kept a connection of its own: close it before the test database goes.
    connections.close_all()
    violations = [violation for context in contexts for violation in context.csp_violations]
    if report is not None and report.passed:
        assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def clock():
    """The server's clock (every thread, the live server's included), ticking from a known Tuesday 08:00."""
    with time_machine.travel(JOURNEY_START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def ca(clock, local_ca):
    """The local CA, made on the travelled clock (its certificates start when the journey does)."""
    return local_ca


@pytest.fixture
def axe_ready():
    if not AXE_SOURCE.exists():
        _need("axe-core (npm ci, run by make test, installs it into node_modules/)")


@pytest.fixture
def pki_bundle():
    """PKI.js for the A1 issuance page, bundled from node_modules/ (npm run build, run by make test)."""
    if not PKI_BUNDLE.exists():
        _need("static/vendor/pki.js (npm ci and npm run build, run by make test)")
