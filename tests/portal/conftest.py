"""The scene most portal page tests share: 王芳, a delivered order of hers, and her signed-in browser."""

import pytest

from tests import factories as f

from .builders import login_customer


@pytest.fixture
def cust():
    return f.customer(name="王芳")


@pytest.fixture
def order(cust):
    return f.order(cust, [(f.sku("129.00", name="九阳豆浆机"), 1)], status="delivered")


@pytest.fixture
def buyer(client, cust):
    return login_customer(client, cust)
