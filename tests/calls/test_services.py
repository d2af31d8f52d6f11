"""Recording telephony events: one Call per call, idempotent, order-independent, agents and customers matched."""

from datetime import date, timedelta

import pytest

from kefu.calls import queue_log, services, simulator
from kefu.calls import telephony as t
from kefu.calls.models import Call, TelephonyEvent
from kefu.core import clock
from kefu.core.errors import DomainError
from kefu.core.models import OutboxEvent
from tests.calls import sample
from tests.calls.conftest import written

pytestmark = pytest.mark.django_db


def sample_events() -> list[t.TelephonyEvent]:
    return [event for _n, event in queue_log.parse(sample.text().splitlines()).events]


def call(letter: str) -> Call:
    return Call.objects.get(call_id=sample.call_id(letter))


def test_importing_the_sample_makes_one_call_per_call_as_worked_out_by_hand(after_sample, people):
    result = services.import_queue_log(sample.text().splitlines(), source="pbx-1")
    assert (result.lines, result.received, result.recorded, result.duplicates, result.skipped) == (
        sample.LINES, sample.EVENTS, sample.EVENTS, 0, sample.SKIPPED)
    assert [p.line for p in result.problems] == sample.BAD_LINES
    assert Call.objects.count() == 10
    for letter, outcome in sample.OUTCOMES.items():
        c = call(letter)
        assert (c.outcome, c.wait_seconds, c.talk_seconds) == (outcome, sample.WAITS[letter], sample.TALKS.get(letter))
        assert c.agent_label == sample.AGENTS.get(letter, "")
        assert c.source == "pbx-1"
    assert TelephonyEvent.objects.count() == sample.EVENTS


def test_agents_are_matched_by_agent_line_then_by_extension_and_keep_their_label(after_sample, people):
    services.import_queue_log(sample.text().splitlines())
    assert call("A").agent == people["zhangwei"]  # SIP/8001 → agent line
    assert call("B").agent == people["8002"]  # SIP/8002 → extension 8002 = a username
    assert (call("H").agent, call("H").agent_label) == (None, "Agent/1001")  # nobody: the label alone
    assert call("C").agent is None


def test_customers_are_matched_by_phone_even_with_a_trunk_prefix(after_sample, people):
    services.import_queue_log(sample.text().splitlines())
    customers = people["customers"]
    assert call("A").customer == call("H").customer == customers["13812345678"]
    assert call("B").customer == customers["13912345678"]  # dialled as 013912345678
    assert call("I").customer == customers["13900000005"]  # "+86 139-0000-0005"
    assert (call("D").customer, call("D").caller_number) == (None, "anonymous")


@pytest.mark.parametrize("raw, phone", [("13812345678", "13812345678"), ("013812345678", "13812345678"),
                                        ("8613812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
                                        ("008613812345678", "13812345678"), ("02166668888", None),
                                        ("anonymous", None), ("", None), ("0123812345678", None)])
def test_caller_phone(raw, phone):
    assert services.caller_phone(raw) == phone


def test_a_customer_is_never_taken_for_an_agent(after_sample, people):
    services.record_events([t.TelephonyEvent(t.ANSWERED, sample.at(10), call_id="x", agent="13812345678")],
                           source="s")
    assert Call.objects.get(call_id="x").agent is None


def test_feeding_the_same_file_twice_changes_nothing(after_sample, people):
    services.import_queue_log(sample.text().splitlines())
    before = written()
    clock.advance(timedelta(hours=1))
    again = services.import_queue_log(sample.text().splitlines())
    assert (again.recorded, again.duplicates, again.calls) == (0, sample.EVENTS, [])
    assert written() == before  # not even updated_at moved, and no outbox event


def test_a_batch_with_an_event_twice_records_it_once(after_sample):
    offer = t.TelephonyEvent(t.OFFERED, sample.at(0), call_id="c1", queue="q")
    result = services.record_events([offer, offer], source="s")
    assert (result.received, result.recorded, result.duplicates) == (2, 1, 1)


def test_events_in_any_order_and_any_batches_give_the_same_calls(after_sample, people):
    services.import_queue_log(sample.text().splitlines())
    in_order = {c.call_id: _folded(c) for c in Call.objects.all()}
    Call.objects.all().delete()
    TelephonyEvent.objects.all().delete()
    for event in reversed(sample_events()):  # one event per batch, last first
        services.record_events([event], source="s")
    assert {c.call_id: _folded(c) for c in Call.objects.all()} == in_order


def _folded(c: Call) -> tuple:
    return (c.queue, c.offered_at, c.answered_at, c.ended_at, c.outcome, c.agent_id, c.agent_label, c.caller_number,
            c.customer_id, c.wait_seconds, c.talk_seconds, c.wrapup_seconds, c.transferred_to, c.overflow_reason,
            c.missed_rings)


def test_a_late_answer_turns_an_abandon_guess_into_an_answer(after_sample):
    services.record_events([t.TelephonyEvent(t.OFFERED, sample.at(0), call_id="c1", queue="q"),
                            t.TelephonyEvent(t.ENDED, sample.at(100), call_id="c1")], source="s")
    assert Call.objects.get(call_id="c1").outcome == t.ABANDONED
    services.record_events([t.TelephonyEvent(t.ANSWERED, sample.at(10), call_id="c1", agent="SIP/1")], source="s")
    c = Call.objects.get(call_id="c1")
    assert (c.outcome, c.wait_seconds, c.talk_seconds) == (t.ANSWERED, 10, 90)


def test_the_api_and_the_queue_log_of_the_same_day_do_not_count_it_twice(after_sample, tmp_path):
    day = simulator.simulate(simulator.Config(day=sample.DAY, calls=120, agents=2, seed=3))
    services.record_events(day.events, source="api")
    text = [queue_log.format_event(e) for e in day.events]
    again = services.import_queue_log(text)
    assert (again.recorded, again.duplicates, again.problems) == (0, len(day.events), [])


def test_one_bad_event_refuses_the_whole_batch_and_names_it(after_sample):
    before = written()
    good = t.TelephonyEvent(t.OFFERED, sample.at(0), call_id="c1", queue="q")
    with pytest.raises(services.InvalidEvents) as refused:
        services.record_events([good, t.TelephonyEvent(t.OFFERED, sample.at(1), call_id="c2")], source="s")
    assert refused.value.problems == [("1.queue", "an offered event needs the queue")]
    assert written() == before


def test_events_from_more_than_a_day_ahead_are_refused(after_sample):
    ahead = t.TelephonyEvent(t.OFFERED, clock.now() + timedelta(days=1, minutes=1), call_id="c1", queue="q")
    with pytest.raises(services.InvalidEvents) as refused:
        services.record_events([ahead], source="s")
    assert refused.value.problems[0][0] == "0.at"
    # in a queue_log it is one more bad line
    result = services.import_queue_log([queue_log.format_event(ahead)])
    assert [(p.line, "future" in p.message) for p in result.problems] == [(1, True)]


def test_each_batch_with_news_leaves_one_outbox_event_naming_the_changed_calls(after_sample):
    services.record_events([t.TelephonyEvent(t.OFFERED, sample.at(0), call_id="c1", queue="q"),
                            t.TelephonyEvent(t.OFFERED, sample.at(5), call_id="c2", queue="q")], source="s")
    (event,) = OutboxEvent.objects.filter(topic="calls.recorded")
    assert event.payload == {"source": "s", "events": 2, "calls": ["c1", "c2"], "calls_changed": 2}


def test_agent_events_are_kept_but_make_no_call(after_sample):
    result = services.record_events([t.TelephonyEvent(t.LOGIN, sample.at(0), agent="SIP/1")], source="s")
    assert (result.recorded, result.calls, Call.objects.count()) == (1, [], 0)


def test_mapping_an_agent_line_links_the_calls_already_recorded(after_sample, staff_user):
    services.import_queue_log(sample.text().splitlines())
    assert call("H").agent is None
    liwei = staff_user("aftersale_agent", "liwei")
    services.map_agent_line("Agent/1001", liwei)
    assert call("H").agent == liwei
    # and the next events under that label find the agent at once
    services.record_events([t.TelephonyEvent(t.ANSWERED, sample.at(9), call_id="n1", agent="Agent/1001")], source="s")
    assert Call.objects.get(call_id="n1").agent == liwei


def test_a_customer_cannot_be_mapped_as_an_agent(after_sample, people):
    customer_user = people["customers"]["13812345678"].user
    with pytest.raises(DomainError) as refused:
        services.map_agent_line("SIP/9", customer_user)
    assert refused.value.field == "user"
    with pytest.raises(DomainError):
        services.map_agent_line("  ", people["zhangwei"])


def test_a_big_import_is_recorded_in_chunks_and_counts_each_call_once(after_sample, monkeypatch):
    monkeypatch.setattr(services, "MAX_BATCH", 50)
    day = simulator.simulate(simulator.Config(day=date(2026, 11, 23), calls=60, agents=2, seed=9))
    result = services.import_queue_log([queue_log.format_event(e) for e in day.events])
    assert result.recorded == len(day.events)
    assert sorted(result.calls) == sorted(Call.objects.values_list("call_id", flat=True))
