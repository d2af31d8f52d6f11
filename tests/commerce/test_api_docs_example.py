"""The example in docs/api.md is a working request."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kefu.commerce.models import Order, Product, Sku
from kefu.commerce.services.integrations import create_integration
from tests import factories as f

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_payload() -> dict:
    block = re.search(r"```json\n(\{\n  \"number\".*?)\n```", DOC.read_text(), re.S).group(1)
    return json.loads(block)


def test_the_documented_sync_example_creates_the_order(client):
    payload = documented_payload()
    product = Product.objects.create(code="TP-X1", name="ThinkPad X1", category=f.category(), seller=f.seller())
    Sku.objects.create(code="TP-X1-16G", product=product, spec="16GB", price=Decimal("3299.00"))
    _integration, token = create_integration("docs")
    url = "/api/v1/sync/orders/doc-example-1"
    response = client.put(url, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=payload["number"])
    assert (order.status, order.payable_amount) == ("shipped", Decimal("3205.00"))
    replay = client.put(url, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert replay.status_code == 200 and replay.json() == response.json()
