"""Schemathesis explores every operation of the published OpenAPI schema with a real key: never a 500.

One pytest item per operation; each draws a bounded number of examples so the run stays within seconds.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from orders.tests.factories import CnpjProductFactory, LinkFactory, OrderFactory

EXAMPLES_PER_OPERATION = 20

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def seeded(db, partner, product, settings):
    """A partner with a link, products and an order, and no throttling to get in the explorer's way."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": "100000/min"}}
    CnpjProductFactory()
    OrderFactory(link=LinkFactory(partner=partner))
    # Schemathesis calls the real WSGI app, which closes the connection after each request; Django's test
    # client switches that off so the test's transaction survives, and so do we.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every CI run: a failure here is a bug, never bad luck
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_500_or_breaks_its_schema(case, seeded, api_key):
    response = case.call(headers={"Authorization": f"Bearer {api_key}"})
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance])
