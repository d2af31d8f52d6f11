"""The shop's policy numbers from settings (KEFU_AFTERSALES_POLICY) reach every caller of the engine."""

import io
import json
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from kefu.aftersales.models import AfterSalesCase
from kefu.aftersales.policy import PolicySettings
from kefu.aftersales.policy_settings import configured
from kefu.aftersales.services import opening
from kefu.aftersales.services.opening import PolicyRefused
from kefu.core import clock
from tests.aftersales import make
from tests.aftersales.builders import asked, frozen, signed_order  # noqa: F401


def test_defaults_when_nothing_is_set(settings):
    settings.KEFU_AFTERSALES_POLICY = {}
    assert configured() == PolicySettings()


def test_overrides_are_coerced_from_their_text_form(settings):
    settings.KEFU_AFTERSALES_POLICY = {"no_reason_days": "15", "minor_fault_rate": "0.20",
                                       "reship_cutoff": "18:30", "timezone": "Asia/Urumqi"}
    rules = configured()
    assert rules.no_reason_days == 15 and rules.minor_fault_rate == Decimal("0.20")
    assert rules.reship_cutoff == time(18, 30) and rules.timezone == "Asia/Urumqi"
    assert rules.quality_exchange_days == 15  # untouched fields keep the defaults


@pytest.mark.parametrize(("overrides", "message"), [
    ({"no_reason_dayz": 15}, r"unknown key\(s\) no_reason_dayz"),
    ({"no_reason_days": "seven"}, r"\['no_reason_days'\] must be a whole number"),
    ({"no_reason_days": -1}, r"\['no_reason_days'\] must be a whole number"),
    ({"minor_fault_rate": 0.1}, r"\['minor_fault_rate'\] must be a decimal share"),
    ({"minor_fault_rate": "1.5"}, r"\['minor_fault_rate'\] must be a decimal share"),
    ({"reship_cutoff": "8pm"}, r"\['reship_cutoff'\] must be a local time"),
    ({"timezone": "Mars/Olympus"}, r"unknown time zone"),
    ({"no_reason_days": [7]}, r"is not a valid value"),
])
def test_a_bad_setting_names_the_key(settings, overrides, message):
    settings.KEFU_AFTERSALES_POLICY = overrides
    with pytest.raises(ImproperlyConfigured, match=message):
        configured()


def test_the_command_decides_by_the_shops_numbers(settings):
    late = make(now="2026-11-20T10:00:00+08:00")  # day 10 after signing: refused under the 7-day default
    out = io.StringIO()
    call_command("policy", "check", "-", stdin=io.StringIO(json.dumps(late)), stdout=out)
    assert json.loads(out.getvalue())["allowed"] is False
    settings.KEFU_AFTERSALES_POLICY = {"no_reason_days": 15}
    out = io.StringIO()
    call_command("policy", "check", "-", stdin=io.StringIO(json.dumps(late)), stdout=out)
    decision = json.loads(out.getvalue())
    assert decision["allowed"] is True and decision["deadline"].startswith("2026-11-25T23:59:59")


def test_the_command_reports_a_bad_setting_as_an_error(settings):
    settings.KEFU_AFTERSALES_POLICY = {"no_reason_days": "x"}
    with pytest.raises(CommandError, match="no_reason_days"):
        call_command("policy", "check", "-", stdin=io.StringIO(json.dumps(make())), stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_opening_a_case_follows_the_shops_numbers(settings):
    order = signed_order(signed_days_ago=10)
    with pytest.raises(PolicyRefused):
        opening.open_case(order, "return", "no_reason", [asked(order)])
    assert not AfterSalesCase.objects.exists()
    settings.KEFU_AFTERSALES_POLICY = {"no_reason_days": 15}
    case = opening.open_case(order, "return", "no_reason", [asked(order)])
    assert case.policy_rule == "no_reason.return"
    signed = clock.localnow() - timedelta(days=10)
    last_day = (signed + timedelta(days=15)).date()
    assert case.decision["deadline"].startswith(f"{last_day.isoformat()}T23:59:59")
