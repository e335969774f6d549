"""The Content-Security-Policy in Chromium: the pages no other browser test visits (the back office's home, the API's
Swagger UI and ReDoc, the token page) render without a violation, and the policy is not vacuous — an injected inline
script does not run, an image from elsewhere is not fetched, and the violation reaches the report endpoint's log.

Every browser test checks the same on every page it visits: `open_browser` (conftest.py) fails a test whose pages
raised any violation.
"""

import logging
import time

import pytest

from orders.tests.factories import UserFactory

from .steps import admin_login

pytestmark = pytest.mark.browser


def test_the_back_office_and_the_api_docs_render_without_a_violation(open_browser, clock):
    # Given a superuser
    UserFactory(username="chefe@ts.test", is_staff=True, is_superuser=True)
    page = open_browser()

    # When they sign in to the back office and open its pages, then the API's two documentation pages
    admin_login(page, "chefe@ts.test")  # the password, then setting up the second factor
    for path in ("/admin/orders/order/", "/admin/auth/user/add/", "/admin/helpcenter/article/add/"):
        page.goto(path)
        page.wait_for_selector("#content")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", state="attached")  # the init script ran and read the schema
    page.goto("/api/redoc/")
    page.wait_for_selector("redoc [role=navigation], .menu-content", state="attached")
    page.goto("/token/")
    page.wait_for_selector("#form-conectar")

    # Then the pages are whole (the teardown of `open_browser` fails the test on any violation)
    assert page.context.csp_violations == []


def test_the_policy_blocks_injected_code_and_the_report_reaches_the_log(open_browser, clock, caplog):
    # Given the home page
    page = open_browser()
    page.goto("/")

    # When a script the page did not ship (as an injection would) adds an inline script and a foreign image
    with caplog.at_level(logging.WARNING, logger="tecnosign.csp"):
        page.evaluate(
            """() => {
              const script = document.createElement('script');
              script.textContent = 'window.injected = true';
              document.body.appendChild(script);
              const image = document.createElement('img');
              image.src = 'http://127.0.0.1:9/rastreio.gif';
              document.body.appendChild(image);
            }"""
        )
        deadline = time.monotonic() + 20
        # Both reports (the request log's own lines are in caplog too, so count the reports themselves).
        while (
            sum("csp violation" in record.getMessage() for record in caplog.records) < 2 and time.monotonic() < deadline
        ):
            page.wait_for_timeout(200)

        # Then the inline script did not run, the browser raised both violations and reported them to the endpoint
        assert page.evaluate("() => window.injected") is None
        raised = {violation["directive"] for violation in page.context.csp_violations}
        assert raised == {"script-src-elem", "img-src"}
        logged = " ".join(record.getMessage() for record in caplog.records)
        assert "directive=script-src-elem" in logged and "blocked=inline" in logged
        assert "directive=img-src blocked=http://127.0.0.1:9/rastreio.gif" in logged
    # (expected here: cleared so that the fixture's check, for the other tests, stays strict)
    page.context.csp_violations.clear()
