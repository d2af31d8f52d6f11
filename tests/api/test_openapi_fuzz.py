"""Schemathesis generates requests from our OpenAPI schema, valid and invalid, and checks the answers:
never a server error, and every successful answer matches the documented response schema."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kefu.commerce.services.integrations import create_integration
from kefu.wsgi import application
from tests import factories as f

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly would close the test's connection after each request; Django's
    test client avoids that the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, keep_test_connection, settings):
    """A shop's token and a little data for the generated requests to find (or not). Inbound email is
    configured: without a token its webhook answers 503 on purpose (the mail server retries later)."""
    settings.KEFU_INBOUND_EMAIL_TOKEN = "fuzz-token"
    customer = f.customer(name="王芳", phone="13912345678", password=None)
    order = f.order(customer, [(f.sku("99.00"), 2)], status="paid", number="KF-FUZZ-1")
    f.shipment(order, tracking_number="JD0000FUZZ")
    return {"Authorization": f"Bearer {create_integration('fuzz')[1]}"}


@schema.parametrize()
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_answers_every_generated_request_without_a_server_error(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error, response_schema_conformance],
                           excluded_checks=[])
