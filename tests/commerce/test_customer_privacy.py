import pytest

from kefu.core import roles
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role,visible", [
    (roles.PRESALE_AGENT, "139****"), (roles.WAREHOUSE, "139****"), (roles.OPERATIONS, "139****"),
    (roles.AFTERSALE_AGENT, "139000"), (roles.SUPERVISOR, "139000"), (roles.CARE_TEAM, "139000"),
])
def test_phone_is_masked_for_roles_that_need_not_see_it(staff_user, role, visible):
    customer = f.customer(phone="13900004321")
    shown = customer.phone_for(staff_user(role))
    assert shown.startswith(visible) and shown.endswith("4321")


def test_customers_see_their_own_number_but_not_others():
    me, other = f.customer(phone="13900001234"), f.customer(phone="13900005678")
    assert me.phone_for(me.user) == "13900001234"
    assert other.phone_for(me.user) == "139****5678"


def test_str_never_leaks_the_full_number():
    assert "13900009999" not in str(f.customer(phone="13900009999"))
