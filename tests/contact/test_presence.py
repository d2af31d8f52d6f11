"""Agents' presence in the chat queue: the states, the span log and its timing, capacity, after-contact work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from kefu.contact import presence
from kefu.contact.models import AgentPresence, AgentState, PresenceSpan
from kefu.core import clock
from kefu.core.errors import Conflict, DomainError, InvalidTransition
from kefu.core.models import AuditEntry, OutboxEvent

S = AgentState


@pytest.fixture
def agent(monday, staff_user):
    return staff_user("presale_agent", "xiaowang")


def spans(user) -> list[tuple[str, float | None]]:
    return [(s.state, s.seconds() if s.ended_at else None) for s in PresenceSpan.objects.filter(user=user)]


def locked(user):
    return presence.lock(user)


def test_a_new_agent_is_offline_until_they_log_in(agent):
    row = presence.lock(agent)
    assert row.state == S.OFFLINE and PresenceSpan.objects.count() == 0
    presence.log_in(agent)
    assert AgentPresence.objects.get(user=agent).state == S.AVAILABLE


def test_every_state_is_timed_in_the_span_log(agent):
    presence.log_in(agent)
    clock.advance(timedelta(minutes=30))
    presence.set_away(agent, reason="lunch")
    clock.advance(timedelta(minutes=45))
    presence.set_ready(agent)
    clock.advance(timedelta(minutes=10))
    presence.log_out(agent)
    assert spans(agent) == [(S.AVAILABLE, 1800.0), (S.AWAY, 2700.0), (S.AVAILABLE, 600.0), (S.OFFLINE, None)]
    assert PresenceSpan.objects.filter(user=agent, ended_at__isnull=True).count() == 1


def test_time_in_state_clips_the_spans_to_the_period(agent, monday):
    presence.log_in(agent)
    clock.advance(timedelta(minutes=30))
    presence.set_away(agent)
    clock.advance(timedelta(minutes=20))
    # 10:10 → 10:50: 20 min available, 20 min away (the away span is still open: it runs to the end)
    totals = presence.time_in_state(agent, monday + timedelta(minutes=10), monday + timedelta(minutes=50))
    assert totals == {S.AVAILABLE: 1200.0, S.AWAY: 1200.0}


def test_busy_is_derived_from_the_load_not_chosen(agent):
    presence.log_in(agent)
    presence.set_capacity(agent, 2, by=agent)
    with transaction.atomic():
        row = locked(agent)
        presence.took_chat(row, at=clock.now())
        presence.took_chat(row, at=clock.now())
    assert AgentPresence.objects.get(user=agent).state == S.BUSY
    with transaction.atomic():
        presence.released_chat(locked(agent), at=clock.now(), wrap_up=False)
    row = AgentPresence.objects.get(user=agent)
    assert (row.state, row.active_chats) == (S.AVAILABLE, 1)


def test_the_last_chat_ending_starts_after_contact_work_then_the_timer_ends_it(agent, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 30
    presence.log_in(agent)
    with transaction.atomic():
        presence.took_chat(locked(agent), at=clock.now())
        presence.took_chat(locked(agent), at=clock.now())
    with transaction.atomic():
        presence.released_chat(locked(agent), at=clock.now(), wrap_up=True)
    assert AgentPresence.objects.get(user=agent).state == S.AVAILABLE  # still serving one: no ACW
    with transaction.atomic():
        presence.released_chat(locked(agent), at=clock.now(), wrap_up=True)
    row = AgentPresence.objects.get(user=agent)
    assert row.state == S.ACW and row.acw_until == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    assert presence.expire_wrap_ups() == []
    clock.advance(timedelta(seconds=1))
    assert [row.state for row in presence.expire_wrap_ups()] == ["available"]
    assert AgentPresence.objects.get(user=agent).state == S.AVAILABLE
    assert [s for s, _ in spans(agent)] == [S.AVAILABLE, S.ACW, S.AVAILABLE]
    assert spans(agent)[1] == (S.ACW, 30.0)


def test_ready_ends_after_contact_work_early(agent, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 30
    presence.log_in(agent)
    with transaction.atomic():
        presence.took_chat(locked(agent), at=clock.now())
        presence.released_chat(locked(agent), at=clock.now(), wrap_up=True)
    clock.advance(timedelta(seconds=5))
    row = presence.set_ready(agent)
    assert row.state == S.AVAILABLE and row.acw_until is None


def test_no_after_contact_work_when_it_is_turned_off(agent, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 0
    presence.log_in(agent)
    with transaction.atomic():
        presence.took_chat(locked(agent), at=clock.now())
        presence.released_chat(locked(agent), at=clock.now(), wrap_up=True)
    assert AgentPresence.objects.get(user=agent).state == S.AVAILABLE


def test_logging_out_with_chats_is_refused(agent):
    presence.log_in(agent)
    with transaction.atomic():
        presence.took_chat(locked(agent), at=clock.now())
    with pytest.raises(Conflict) as exc:
        presence.log_out(agent)
    assert exc.value.code == "has_active_chats"


def test_away_and_ready_need_a_login(agent):
    with pytest.raises(Conflict):
        presence.set_away(agent)
    with pytest.raises(Conflict):
        presence.set_ready(agent)


def test_the_state_machine_refuses_a_jump(agent):
    row = presence.lock(agent)
    with pytest.raises(InvalidTransition):
        presence._move(row, S.BUSY, at=clock.now(), reason="test", audited=False)


def test_logging_in_twice_changes_nothing(agent):
    presence.log_in(agent)
    presence.log_in(agent)
    assert PresenceSpan.objects.filter(user=agent).count() == 1


def test_chosen_changes_are_audited_and_every_change_is_an_event(agent):
    presence.log_in(agent)
    presence.set_away(agent)
    assert list(AuditEntry.objects.filter(field="state").order_by("id").values_list("old_value", "new_value")) == [
        ("offline", "available"), ("available", "away")]
    assert OutboxEvent.objects.filter(topic="presence.changed").count() == 2


@pytest.mark.parametrize("capacity", [0, 21, "3", True])
def test_capacity_is_a_whole_number_from_1_to_20(agent, capacity):
    with pytest.raises(DomainError) as exc:
        presence.set_capacity(agent, capacity, by=agent)
    assert exc.value.field == "chat_capacity"


def test_a_lower_capacity_makes_a_loaded_agent_busy(agent):
    presence.log_in(agent)
    with transaction.atomic():
        presence.took_chat(locked(agent), at=clock.now())
        presence.took_chat(locked(agent), at=clock.now())
    presence.set_capacity(agent, 2, by=agent)
    assert AgentPresence.objects.get(user=agent).state == S.BUSY


def test_silent_agents(agent, staff_user):
    other = staff_user("presale_agent", "xiaoli")
    presence.log_in(agent)
    presence.log_in(other)
    clock.advance(timedelta(seconds=50))
    presence.touch(other)
    assert presence.silent_agents(clock.now(), timedelta(seconds=45)) == [agent.pk]
