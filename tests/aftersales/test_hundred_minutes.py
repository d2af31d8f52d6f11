"""售后100分: the clock from warehouse receipt to decision, compliance per day and agent, the alert duty."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from kefu.aftersales.duties import hundred_minute_watch
from kefu.aftersales.selectors import clock_running, hundred_minute_compliance
from kefu.aftersales.services import cases, warehouse
from kefu.core import clock
from kefu.core.duties import get
from kefu.core.models import OutboxEvent
from tests.aftersales.builders import (
    SH,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    received_case,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


def _decide(case, by=None):
    return warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                       wrong_item_confirmed=True, by=by)


@pytest.mark.parametrize(("elapsed", "breached"), [
    (timedelta(minutes=99, seconds=59), False),
    (timedelta(minutes=100), False),
    (timedelta(minutes=100, seconds=1), True),
])
def test_the_clock_runs_from_receipt_to_decision(elapsed, breached):
    case = received_case(wrong_item_case())
    assert case.minutes_used == 0 and not case.breached
    clock.advance(elapsed)
    case = _decide(case)
    assert case.breached is breached
    assert case.minutes_used == pytest.approx(elapsed.total_seconds() / 60)
    clock.advance(timedelta(hours=5))  # a decided clock no longer moves
    case.refresh_from_db()
    assert case.breached is breached
    assert OutboxEvent.objects.get(topic="case.inspected").payload["breached"] is breached


def test_a_clock_that_is_still_running_breaches_on_its_own():
    case = received_case(wrong_item_case())
    clock.advance(timedelta(minutes=101))
    assert case.breached and case.decided_at is None and list(clock_running()) == [case]


def test_cases_without_a_return_have_no_clock():
    case = wrong_item_case()
    assert case.minutes_used is None and not case.breached and case.clock_deadline is None


def test_the_limit_is_a_setting(settings):
    settings.KEFU_AFTERSALES_HUNDRED_MINUTES = 60
    case = received_case(wrong_item_case())
    clock.advance(timedelta(minutes=61))
    assert _decide(case).breached


def _decided_case(at: datetime, minutes: float, by):
    clock.freeze(at)
    case = received_case(wrong_item_case())
    clock.advance(timedelta(minutes=minutes))
    return _decide(case, by=by)


def test_compliance_per_day_and_per_agent(staff_user):
    ann, bob = staff_user("warehouse", "ann"), staff_user("warehouse", "bob")
    day1 = datetime(2026, 3, 10, 9, 0, tzinfo=SH)
    day2 = datetime(2026, 3, 11, 22, 0, tzinfo=SH)  # decided 23:00 local: still the 11th in Shanghai (15:00 UTC)
    _decided_case(day1, 30, ann)
    _decided_case(day1, 120, ann)
    _decided_case(day1, 99.9, bob)
    _decided_case(day2, 60, bob)
    _decided_case(datetime(2026, 3, 13, 9, 0, tzinfo=SH), 10, bob)  # outside the period
    clock.freeze(datetime(2026, 3, 13, 10, 0, tzinfo=SH))
    received_case(wrong_item_case())  # still running: not yet a result
    by_day = hundred_minute_compliance(date(2026, 3, 10), date(2026, 3, 11), by="day")
    assert [(r.key, r.decided, r.within_100, r.rate) for r in by_day] == [
        (date(2026, 3, 10), 3, 2, Decimal("0.6667")), (date(2026, 3, 11), 1, 1, Decimal("1.0000"))]
    by_agent = hundred_minute_compliance(date(2026, 3, 10), date(2026, 3, 11), by="agent")
    assert [(r.label, r.decided, r.within_100, r.rate) for r in by_agent] == [
        ("ann", 2, 1, Decimal("0.5000")), ("bob", 2, 2, Decimal("1.0000"))]
    assert by_agent[0].key == ann.pk
    with pytest.raises(ValueError):
        hundred_minute_compliance(date(2026, 3, 10), date(2026, 3, 11), by="week")


def test_the_duty_alerts_once_at_80_minutes():
    case = received_case(wrong_item_case())
    decided = received_case(wrong_item_case())
    clock.advance(timedelta(minutes=79, seconds=59))
    assert hundred_minute_watch() == 0
    _decide(decided)
    clock.advance(timedelta(seconds=1))
    assert get("aftersales.hundred_minute_watch").run() == 1
    event = OutboxEvent.objects.get(topic="case.hundred_minutes_at_risk")
    assert event.payload["case"] == case.number and event.payload["minutes_used"] == 80.0
    assert datetime.fromisoformat(event.payload["deadline"]) == case.received_at + timedelta(minutes=100)
    clock.advance(timedelta(minutes=30))
    assert hundred_minute_watch() == 0
    assert OutboxEvent.objects.filter(topic="case.hundred_minutes_at_risk").count() == 1
    case.refresh_from_db()
    assert case.hundred_alerted_at is not None


def test_cancelled_or_closed_cases_are_not_watched():
    case = cases.approve(wrong_item_case())
    cases.cancel_by_customer(case)
    clock.advance(timedelta(hours=3))
    assert hundred_minute_watch() == 0
