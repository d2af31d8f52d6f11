"""The demo's telephone line: simulated days recorded through the telephony service, stopping at the live
instant, announced to nobody, deterministic, and removed by `kefu seed --flush`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.calls.models import Call, TelephonyEvent
from kefu.calls.seed import forget_calls, seed_calls
from kefu.core.models import OutboxEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
LIVE = datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_yesterday_and_today_until_the_live_instant_and_no_news():
    report = seed_calls(scale="demo", seed=7, live_at=LIVE)
    assert report.days == 2 and report.calls == Call.objects.count() > 300
    assert report.events == TelephonyEvent.objects.count()
    assert not TelephonyEvent.objects.filter(at__gt=LIVE).exists()
    days = {c.offered_at.astimezone(LIVE.tzinfo).date() for c in Call.objects.all()}
    assert days == {LIVE.date().replace(day=14), LIVE.date()}
    assert set(Call.objects.values_list("source", flat=True)) == {"seed"}
    assert not OutboxEvent.objects.exists()


def test_the_same_seed_gives_the_same_calls():
    seed_calls(scale="demo", seed=7, live_at=LIVE)
    first = sorted(Call.objects.values_list("call_id", "outcome", "wait_seconds", "talk_seconds"))
    assert forget_calls() == len(first) and not TelephonyEvent.objects.exists()
    seed_calls(scale="demo", seed=7, live_at=LIVE)
    assert sorted(Call.objects.values_list("call_id", "outcome", "wait_seconds", "talk_seconds")) == first


def test_the_large_scale_has_no_calls():
    assert seed_calls(scale="large", seed=7, live_at=LIVE).calls == 0 and not Call.objects.exists()


def test_flushing_keeps_the_telephony_systems_own_calls_without_their_customer():
    customer = f.customer(phone="13912345678")
    reported = Call.objects.create(call_id="pbx-1", offered_at=LIVE, customer=customer, source="api",
                                   updated_at=LIVE)
    seed_calls(scale="demo", seed=7, live_at=LIVE)
    forget_calls()
    assert list(Call.objects.all()) == [reported]
    reported.refresh_from_db()
    assert reported.customer is None
