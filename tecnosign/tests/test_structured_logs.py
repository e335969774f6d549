"""Structured logs: one JSON object per line, the request id in and out, the order and the staff user, no CPF.

The lines are read from the console handler as settings.LOGGING builds it (the suite runs with DEBUG off, so with
production's default LOG_FORMAT=json), pointed at a buffer.
"""

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import Client

from orders.models import Order
from orders.services.access import order_access_token
from orders.tests.factories import LinkFactory, OrderFactory, ProductFactory, UserFactory
from orders.tests.test_checkout_journey import VALID_CPF_FORM
from tecnosign.logcontext import REQUEST_ID_HEADER
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db
CPF_FORMS = ("529.982.247-25", "52998224725")
EMAILS = ("Maria@Exemplo.com.br", "maria@exemplo.com.br")


@contextmanager
def json_log():
    """The portal's logging configuration, its console writing into a buffer: yields a function → the lines."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["formatter"] = "json"  # production's; the suite's settings module has DEBUG on
    logging.config.dictConfig(config)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)
        text = stream.getvalue()
        assert not any(value in text for value in (*CPF_FORMS, *EMAILS)), text


@pytest.mark.parametrize(
    ("environment", "expected"),
    [({"DEBUG": "0"}, "json"), ({"DEBUG": "1"}, "plain"), ({"DEBUG": "0", "LOG_FORMAT": "plain"}, "plain")],
    ids=["production", "make-run", "chosen"],
)
def test_json_is_the_production_default_and_plain_that_of_make_run(environment, expected):
    show = "from tecnosign import settings as s; print(s.LOG_FORMAT, s.LOGGING['handlers']['console']['formatter'])"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "DJANGO_SETTINGS_MODULE")},
        "SECRET_KEY": "x" * 50,
        **environment,
    }
    shown = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", show], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == [expected, expected]


def test_a_checkout_logs_its_request_and_its_tasks_under_the_request_id_with_no_personal_data(on_commit):
    product, link = ProductFactory(), LinkFactory()

    # When a customer checks out, behind a proxy that set a request id
    with json_log() as lines, on_commit():
        response = Client().post(
            f"/l/{link.code}/{product.code}/", VALID_CPF_FORM, headers={REQUEST_ID_HEADER: "edge-7f3a9c21"}
        )

    # Then the answer carries the id, and the request's line and the e-mail task it enqueued share it
    assert response.status_code == 302 and response[REQUEST_ID_HEADER] == "edge-7f3a9c21"
    records = lines()
    [request_line] = [line for line in records if line["logger"] == "tecnosign.request"]
    assert request_line["request_id"] == "edge-7f3a9c21"
    assert (request_line["http_method"], request_line["status"], request_line["view"]) == (
        "POST",
        302,
        "orders:checkout",
    )
    assert {"time", "level", "message"} <= request_line.keys()
    task_lines = [line for line in records if line["logger"] == "tecnosign.task"]
    assert {line["task"] for line in task_lines} >= {"notifications.send"}
    assert {line["request_id"] for line in task_lines} == {"edge-7f3a9c21"}


def test_the_order_page_logs_the_order_number_and_a_generated_request_id(customer):
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    with json_log() as lines:
        response = customer(order).get(f"/pedido/{order.number}/", headers={REQUEST_ID_HEADER: "bad id\nwith lines"})
    assert response.status_code == 200
    generated = response[REQUEST_ID_HEADER]
    assert len(generated) == 32 and generated != "bad id\nwith lines"
    [line] = [line for line in lines() if line["logger"] == "tecnosign.request"]
    assert (line["request_id"], line["order_number"], line["user_id"]) == (generated, order.number, None)


def test_a_staff_request_logs_the_staff_user_id():
    staff = UserFactory(is_staff=True, is_superuser=True)
    with json_log() as lines:
        assert staff_login(None, staff).get("/admin/").status_code == 200
    [line] = [line for line in lines() if line["logger"] == "tecnosign.request"]
    assert line["user_id"] == staff.pk


def test_personal_data_is_masked_in_the_message_the_extra_fields_and_the_traceback():
    logger = logging.getLogger("tecnosign.tests.structured")
    with json_log() as lines:
        try:
            raise ValueError(f"no holder {CPF_FORMS[0]}")
        except ValueError:
            logger.exception(
                "checkout of %s (%s) failed",
                CPF_FORMS[1],
                EMAILS[0],
                extra={"holder": {"cpf": CPF_FORMS[0], "emails": [EMAILS[1]]}, "cnpj": "12.345.678/0001-95"},
            )
    [line] = lines()
    assert line["message"] == "checkout of [CPF] ([e-mail]) failed"
    assert line["holder"] == {"cpf": "[CPF]", "emails": ["[e-mail]"]} and line["cnpj"] == "[CNPJ]"
    assert "ValueError: no holder [CPF]" in line["exc_info"]
    assert line["level"] == "ERROR" and line["request_id"] is None


def test_a_one_time_link_s_token_never_reaches_the_log():
    # Given the "open your order" link an e-mail carries
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    token = order_access_token(order)
    with json_log() as lines:
        # When the holder opens it (the page, then the button)
        page = Client().get(f"/pedido/acesso/{token}/")
        opened = Client().post(f"/pedido/acesso/{token}/")
    assert (page.status_code, opened.status_code) == (200, 302)
    # Then the request lines say which view and which order, and the token is nowhere
    request_lines = [line for line in lines() if line["logger"] == "tecnosign.request"]
    assert [line["path"] for line in request_lines] == ["/pedido/acesso/[token]/"] * 2
    assert {line["view"] for line in request_lines} == {"orders:access"}
    assert token not in json.dumps(lines())
