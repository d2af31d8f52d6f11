"""Clock, money, phones and the state machine: pure pieces of the kernel."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.core import clock
from kefu.core.errors import InvalidTransition
from kefu.core.money import format_cny, money, round_money
from kefu.core.phones import is_valid_phone, mask_phone, normalise_phone
from kefu.core.states import StateMachine


class TestClock:
    def test_frozen_clock_stands_still_and_moves_on_request(self):
        at = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)
        clock.freeze(at)
        assert clock.now() == at
        clock.advance(timedelta(hours=25))
        assert clock.now() == at + timedelta(hours=25)

    def test_local_time_is_shanghai(self):
        clock.freeze(datetime(2026, 11, 10, 16, 30, tzinfo=UTC))
        local = clock.localnow()
        assert (local.hour, local.day, str(local.tzinfo)) == (0, 11, "Asia/Shanghai")

    def test_reset_returns_to_real_time(self):
        clock.freeze(datetime(2000, 1, 1, tzinfo=UTC))
        clock.reset()
        assert clock.now().year >= 2026

    def test_naive_time_refused(self):
        with pytest.raises(ValueError):
            clock.freeze(datetime(2026, 1, 1))

    def test_frozen_at_context_restores(self):
        with clock.frozen_at(datetime(2001, 1, 1, tzinfo=UTC)):
            assert clock.now().year == 2001
        assert clock.now().year >= 2026


class TestMoney:
    @pytest.mark.parametrize("raw,expected", [("12", "12.00"), ("0.5", "0.50"), (3, "3.00"),
                                              (Decimal("99.99"), "99.99")])
    def test_exact_amounts(self, raw, expected):
        assert money(raw) == Decimal(expected) and str(money(raw)) == expected

    @pytest.mark.parametrize("raw", ["1.001", "abc", "NaN", "Infinity", ""])
    def test_bad_amounts_refused(self, raw):
        with pytest.raises(ValueError):
            money(raw)

    def test_float_refused(self):
        with pytest.raises(TypeError):
            money(0.1)

    def test_round_half_up(self):
        assert round_money(Decimal("1.005")) == Decimal("1.01")
        assert round_money(Decimal("100") / 3) == Decimal("33.33")

    def test_format(self):
        assert format_cny(Decimal("3299")) == "¥3,299.00"

    @given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
    def test_money_round_trips_through_str(self, amount):
        assert money(str(amount)) == amount


class TestPhones:
    @pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "(138)12345678"])
    def test_normalises_valid_mobiles(self, raw):
        assert normalise_phone(raw) == "13812345678"

    @pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "010-12345678", "abc", ""])
    def test_rejects_others(self, raw):
        assert not is_valid_phone(raw)
        with pytest.raises(ValueError):
            normalise_phone(raw)

    def test_mask_keeps_prefix_and_last_four(self):
        assert mask_phone("13812345678") == "138****5678"


class TestStateMachine:
    machine = StateMachine("thing", {"a": {"b", "x"}, "b": {"c"}, "c": set(), "x": set()})

    def test_allowed_and_refused_moves(self):
        self.machine.check("a", "b")
        with pytest.raises(InvalidTransition, match="from a to c"):
            self.machine.check("a", "c")

    def test_unknown_state(self):
        with pytest.raises(InvalidTransition, match="unknown"):
            self.machine.check("a", "zzz")

    def test_path_walks_every_step(self):
        assert self.machine.path("a", "c") == ["b", "c"]
        assert self.machine.path("b", "b") == []

    def test_path_refuses_backwards(self):
        with pytest.raises(InvalidTransition):
            self.machine.path("c", "a")
