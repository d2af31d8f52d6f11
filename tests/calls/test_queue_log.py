"""The Asterisk queue_log parser: field meanings, tolerance of older versions, bad lines, and the writer."""

from datetime import UTC, date, datetime

import pytest

from kefu.calls import queue_log, simulator
from kefu.calls import telephony as t
from tests.calls import sample


def events_by_line() -> dict[int, t.TelephonyEvent]:
    return dict(queue_log.parse(sample.text().splitlines()).events)


def one(line: str) -> t.TelephonyEvent:
    parsed = queue_log.parse([line])
    assert parsed.problems == [], parsed.problems
    ((_number, event),) = parsed.events
    return event


def test_the_sample_reads_with_its_bad_lines_reported_by_number():
    parsed = queue_log.parse(sample.text().splitlines())
    assert parsed.lines == sample.LINES
    assert [p.line for p in parsed.problems] == sample.BAD_LINES
    assert parsed.skipped == sample.SKIPPED
    assert len(parsed.events) == sample.EVENTS
    messages = {p.line: p.message for p in parsed.problems}
    assert "fewer than 5 fields" in messages[14]
    assert "timestamp" in messages[23]
    assert "holdtime 'abc'" in messages[33]
    assert "fewer than 5 fields" in messages[34]


def test_every_event_kind_of_the_sample_maps_to_its_telephony_event():
    kinds = {number: event.kind for number, event in events_by_line().items()}
    assert kinds[2] == kinds[5] == t.LOGIN  # ADDMEMBER, AGENTLOGIN
    assert kinds[6] == t.OFFERED  # ENTERQUEUE
    assert kinds[7] == t.MISSED  # RINGNOANSWER
    assert kinds[8] == t.ANSWERED  # CONNECT
    assert kinds[12] == kinds[16] == t.ABANDONED  # ABANDON
    assert kinds[13] == kinds[18] == t.ENDED  # COMPLETEAGENT, COMPLETECALLER
    assert kinds[20] == kinds[22] == kinds[26] == t.OVERFLOWED  # EXITEMPTY, EXITWITHKEY, EXITWITHTIMEOUT
    assert kinds[30] == kinds[32] == t.TRANSFERRED  # TRANSFER, ATTENDEDTRANSFER
    assert kinds[31] == kinds[35] == t.PAUSE  # PAUSE, PAUSEALL
    assert kinds[37] == kinds[38] == t.UNPAUSE  # UNPAUSEALL, UNPAUSE
    assert kinds[39] == kinds[41] == t.LOGOFF  # REMOVEMEMBER, AGENTLOGOFF


def test_the_timestamp_is_unix_seconds_in_utc_and_none_fields_are_empty():
    event = one("1795393800|NONE|NONE|SIP/8001|ADDMEMBER|")
    assert event.at == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    assert (event.call_id, event.queue, event.agent) == ("", "", "SIP/8001")


def test_enterqueue_carries_the_caller_id_in_its_second_field():
    event = one("1795393860|1795393860.1|aftersale|NONE|ENTERQUEUE||13812345678|1")
    assert (event.kind, event.call_id, event.queue, event.caller, event.agent) == (
        t.OFFERED, "1795393860.1", "aftersale", "13812345678", "")


def test_connect_holdtime_is_the_wait():
    event = one("1795393883|1795393860.1|aftersale|SIP/8001|CONNECT|23|1795393879.201|4")
    assert (event.kind, event.agent, event.wait_seconds) == (t.ANSWERED, "SIP/8001", 23)


def test_abandon_and_exits_take_waittime_from_their_own_positions():
    # ABANDON / EXITWITHTIMEOUT / EXITEMPTY: position|origposition|waittime; EXITWITHKEY: key|position|orig|wait
    assert one("1|c|q|NONE|ABANDON|2|5|45").wait_seconds == 45
    timeout = one("1|c|q|NONE|EXITWITHTIMEOUT|1|2|300")
    assert (timeout.kind, timeout.reason, timeout.wait_seconds) == (t.OVERFLOWED, "timeout", 300)
    empty = one("1|c|q|NONE|EXITEMPTY|1|1|2")
    assert (empty.reason, empty.wait_seconds) == ("empty", 2)
    key = one("1|c|q|NONE|EXITWITHKEY|9|1|1|30")
    assert (key.reason, key.wait_seconds) == ("key", 30)


def test_complete_events_give_holdtime_and_calltime():
    agent = one("1|c|q|SIP/8001|COMPLETEAGENT|23|180|1")
    caller = one("1|c|q|SIP/8002|COMPLETECALLER|8|300|1")
    assert (agent.kind, agent.wait_seconds, agent.talk_seconds, agent.reason) == (t.ENDED, 23, 180, "agent")
    assert (caller.wait_seconds, caller.talk_seconds, caller.reason) == (8, 300, "caller")


def test_transfers_name_the_target_and_take_hold_and_call_time():
    blind = one("1|c|q|Agent/1001|TRANSFER|8800|from-internal|12|120|1")
    assert (blind.kind, blind.target, blind.wait_seconds, blind.talk_seconds) == (
        t.TRANSFERRED, "8800@from-internal", 12, 120)
    assert one("1|c|q|SIP/1|BLINDTRANSFER|8800|from-internal|3|40|1").talk_seconds == 40
    attended = one("1|c|q|SIP/8002|ATTENDEDTRANSFER|BRIDGE|5b1c-bridge|6|100|1")
    assert (attended.target, attended.wait_seconds, attended.talk_seconds) == ("BRIDGE:5b1c-bridge", 6, 100)


def test_older_versions_with_fewer_trailing_fields_read_as_unknown():
    assert one("1|c|q|NONE|EXITWITHTIMEOUT|1").wait_seconds is None  # Asterisk 1.2: position only
    old = one("1|c|q|SIP/1|TRANSFER|8800|from-internal")  # before 1.4: extension|context
    assert (old.target, old.wait_seconds, old.talk_seconds) == ("8800@from-internal", None, None)
    assert one("1|c|q|SIP/1|CONNECT|5").wait_seconds == 5  # no bridged channel or ring time


def test_pause_reason_and_agent_events_are_read():
    pause = one("1|NONE|aftersale|SIP/8001|PAUSE|lunch")
    assert (pause.kind, pause.queue, pause.reason) == (t.PAUSE, "aftersale", "lunch")
    assert one("1|NONE|NONE|Agent/1|AGENTCALLBACKLOGIN|1002@pcm").kind == t.LOGIN
    assert one("1|NONE|NONE|Agent/1|AGENTCALLBACKLOGOFF|1002@pcm|43|CommandLogoff").kind == t.LOGOFF


@pytest.mark.parametrize("line, message", [
    ("1|c|q|SIP/1|CONNECT|-3|x|1", "must not be negative"),
    ("1|c|q|SIP/1|COMPLETEAGENT|1|999999|1", "longer than a day"),
    ("1|c|q|NONE|ENTERQUEUE||138|1".replace("|q|", "||"), "queue"),  # no queue on an offer
    ("1||q|SIP/1|CONNECT|3", "call_id"),  # a call event without a call
    ("99999999999999|c|q|NONE|ABANDON|1|1|3", "out of range"),
    ("1|c|q|NONE|BAD EVENT|", "event name"),
    ("1|c|q|SIP/1|ATTENDEDTRANSFER|BRIDGE|x", "ATTENDEDTRANSFER"),
    ("1|c|" + "q" * 200 + "|NONE|ENTERQUEUE||1|1", "longer than"),
])
def test_bad_lines_say_what_is_wrong(line, message):
    parsed = queue_log.parse([line])
    assert parsed.events == []
    assert message in parsed.problems[0].message


def test_one_bad_line_does_not_stop_the_rest():
    parsed = queue_log.parse(["junk", "1|c|q|NONE|ENTERQUEUE||13812345678|1", "2|c|q|NONE|ABANDON|x|y|z",
                              "3|c|q|NONE|ABANDON|1|1|2"])
    assert [p.line for p in parsed.problems] == [1, 3]
    assert [n for n, _ in parsed.events] == [2, 4]


def test_unrecorded_events_are_skipped_not_reported():
    parsed = queue_log.parse(["1|NONE|NONE|NONE|QUEUESTART|", "2|c|q|SIP/1|AGENTDUMP|", "3|c|q|NONE|DID|4008"])
    assert (parsed.skipped, parsed.problems, parsed.events) == (3, [], [])


def test_written_lines_read_back_as_the_same_events():
    busy = simulator.simulate(simulator.Config(day=date(2026, 11, 23), calls=200, agents=3, seed=5))
    overloaded = simulator.simulate(simulator.Config(day=date(2026, 11, 23), calls=200, agents=1, seed=5))
    kinds = set()
    for event in busy.events + overloaded.events:
        back = one(queue_log.format_event(event))
        # queue_log has no after-call work field; everything else survives the round trip
        assert back == t.TelephonyEvent(**{**event.__dict__, "wrapup_seconds": None})
        kinds.add(event.kind)
    assert kinds == set(t.KINDS)
