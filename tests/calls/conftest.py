from datetime import datetime, timedelta

import pytest

from kefu.calls.models import AgentLine, Call, TelephonyEvent
from kefu.commerce.models import Customer
from kefu.core import clock
from kefu.core.models import OutboxEvent
from tests import factories as f
from tests.calls import sample


@pytest.fixture
def after_sample(db):
    """The clock at midnight after the sample day: the whole day is in the past."""
    midnight = datetime.combine(sample.DAY + timedelta(days=1), datetime.min.time(), tzinfo=sample.SHANGHAI)
    clock.freeze(midnight)
    yield midnight
    clock.reset()


@pytest.fixture
def people(db, staff_user):
    """zhangwei answers on SIP/8001 (an agent line); the user named 8002 is matched by extension; Agent/1001 is
    nobody. Customers: 13812345678 (calls A and H), 13912345678 (B, dialled with the trunk's 0), 13900000005 (I)."""
    zhangwei = staff_user("aftersale_agent", "zhangwei")
    AgentLine.objects.create(label="SIP/8001", user=zhangwei)
    by_extension = staff_user("presale_agent", "8002")
    customers = {phone: f.customer(name=name, phone=phone) for phone, name in
                 (("13812345678", "李娜"), ("13912345678", "王芳"), ("13900000005", "刘洋"))}
    return {"zhangwei": zhangwei, "8002": by_extension, "customers": customers}


def written() -> dict:
    """Everything the calls services write, to show that a refused request wrote nothing."""
    return {
        "calls": list(Call.objects.order_by("call_id").values_list(
            "call_id", "outcome", "offered_at", "answered_at", "ended_at", "wait_seconds", "talk_seconds",
            "agent_id", "customer_id", "updated_at")),
        "events": TelephonyEvent.objects.count(),
        "outbox": OutboxEvent.objects.filter(topic="calls.recorded").count(),
        "customers": Customer.objects.count(),
    }
