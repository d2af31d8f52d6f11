"""The shift handover (交接): what it lists, the last note and next action, refreshing it, who acknowledges it
(the next shift, or a supervisor), and the duty that prepares it in the last 30 minutes of a shift — also for
the late shift that ends after midnight."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from kefu.contact import selectors
from kefu.contact.models import Handover, Holiday, Shift
from kefu.contact.services import NotOnNextShift, acknowledge_handover, prepare_handover
from kefu.core import audit, clock, duties
from kefu.core.errors import DomainError, InvalidTransition
from kefu.tickets.services import assignment, conversation, escalation, flow
from tests.tickets.api_support import locs, logged_in, post
from tests.tickets.builders import SHANGHAI, agent, agreed, complaint

pytestmark = [pytest.mark.django_db]

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def scene(roles, staff_user):
    """Monday 10:00. Early: 小王 and 小李; late: 小赵; the supervisor is on no roster."""
    clock.freeze(at(MONDAY, 10))
    team = {
        "wang": agent(staff_user, username="wang", shift="early"),
        "li": agent(staff_user, username="li", shift="early"),
        "zhao": agent(staff_user, username="zhao", shift="late"),
        "boss": staff_user("supervisor", "boss"),
    }
    yield team
    clock.reset()


def held_by(user, boss, **kwargs):
    ticket = complaint(**kwargs)
    assignment.assign(ticket, user, by=boss)
    ticket.refresh_from_db()
    return ticket


def numbers(handover: Handover) -> set[str]:
    return {item.ticket.number for item in handover.items.select_related("ticket")}


def item_of(handover: Handover, ticket):
    return handover.items.get(ticket=ticket)


class TestItems:
    def test_the_shifts_open_tickets_and_the_escalations_nobody_holds(self, scene):
        wang, li, zhao, boss = scene["wang"], scene["li"], scene["zhao"], scene["boss"]
        mine = held_by(wang, boss, subject="屏幕有坏点")
        hers = held_by(li, boss, subject="少发了配件")
        late_agents = held_by(zhao, boss, subject="晚班的单")
        nobodys = complaint(subject="还没人接")
        to_care = held_by(wang, boss, subject="要找客户关怀部")
        escalation.escalate(to_care, by=boss, reason="顾客情绪激动", to_care_team=True)
        done = agreed(held_by(li, boss, subject="已经解决"), li)
        flow.resolve(done, by=li)

        handover = prepare_handover("early", MONDAY, by=wang)

        assert numbers(handover) == {mine.number, hers.number, to_care.number}
        assert late_agents.number not in numbers(handover) and nobodys.number not in numbers(handover)
        assert (handover.shift.code, handover.date, handover.prepared_by) == ("early", MONDAY, wang)

    def test_last_note_is_the_latest_internal_note_else_the_latest_public_message(self, scene):
        wang, boss = scene["wang"], scene["boss"]
        noted = held_by(wang, boss)
        conversation.add_note(noted, "已联系仓库，等回电", by=wang)
        clock.advance(timedelta(minutes=1))
        conversation.agent_replies(noted, "您好，我们正在为您核实。", by=wang, next_step="今天16点前回电")
        quiet = held_by(wang, boss, body="快递显示已签收但我没收到")
        long_note = held_by(wang, boss)
        conversation.add_note(long_note, "长" * 700, by=wang)

        handover = prepare_handover("early", MONDAY, by=wang)

        assert item_of(handover, noted).last_note == "已联系仓库，等回电"  # the note, not the later reply
        assert item_of(handover, noted).next_action == "今天16点前回电"
        assert item_of(handover, quiet).last_note == "快递显示已签收但我没收到"
        assert item_of(handover, quiet).next_action == quiet.next_step and quiet.next_step.startswith("客服将在")
        assert item_of(handover, long_note).last_note == "长" * 500

    def test_an_unknown_shift_is_refused_and_a_shift_not_yet_started_too(self, scene):
        with pytest.raises(DomainError) as unknown:
            prepare_handover("night", MONDAY, by=scene["wang"])
        assert unknown.value.field == "shift"
        with pytest.raises(DomainError) as early:
            prepare_handover("late", MONDAY, by=scene["wang"])  # 10:00: the late shift starts at 16:30
        assert (early.value.field, early.value.code) == ("date", "not_started")
        assert not Handover.objects.exists()


class TestRefresh:
    def test_preparing_again_adds_new_items_drops_resolved_ones_and_refreshes_notes(self, scene):
        wang, boss = scene["wang"], scene["boss"]
        stays = held_by(wang, boss)
        goes = agreed(held_by(wang, boss), wang)
        first = prepare_handover("early", MONDAY, by=wang, note="注意张先生的补发")
        assert numbers(first) == {stays.number, goes.number}

        clock.advance(timedelta(hours=2))
        flow.resolve(goes, by=wang)
        new = held_by(wang, boss)
        conversation.add_note(stays, "顾客同意明天再联系", by=wang)
        again = prepare_handover("early", MONDAY, by=scene["li"])

        assert again.pk == first.pk and Handover.objects.count() == 1
        assert numbers(again) == {stays.number, new.number}
        assert item_of(again, stays).last_note == "顾客同意明天再联系"
        assert again.note == "注意张先生的补发"  # no new note: the one written stays
        assert (again.prepared_by, again.prepared_at) == (scene["li"], clock.now())
        assert prepare_handover("early", MONDAY, by=wang, note="改一下备注").note == "改一下备注"

    def test_an_acknowledged_handover_cannot_be_prepared_again(self, scene):
        held_by(scene["wang"], scene["boss"])
        handover = prepare_handover("early", MONDAY, by=scene["wang"])
        acknowledge_handover(handover, by=scene["zhao"])
        held_by(scene["wang"], scene["boss"])
        with pytest.raises(InvalidTransition):
            prepare_handover("early", MONDAY, by=scene["wang"])
        assert handover.items.count() == 1


class TestAcknowledge:
    def test_the_late_shift_acknowledges_the_early_shifts_handover_once(self, scene):
        handover = prepare_handover("early", MONDAY, by=scene["wang"])
        clock.advance(timedelta(hours=6, minutes=35))

        acknowledge_handover(handover, by=scene["zhao"])

        handover.refresh_from_db()
        assert (handover.acknowledged_by, handover.acknowledged_at) == (scene["zhao"], clock.now())
        entry = audit.history(handover).get(field="acknowledged_by")
        assert (entry.new_value, entry.actor) == ("zhao", scene["zhao"])
        with pytest.raises(InvalidTransition):
            acknowledge_handover(handover, by=scene["zhao"])
        with pytest.raises(InvalidTransition):
            acknowledge_handover(handover, by=scene["boss"])

    @pytest.mark.parametrize("who", ["wang", "li"])
    def test_the_shift_that_hands_over_cannot_acknowledge_its_own_list(self, scene, who):
        handover = prepare_handover("early", MONDAY, by=scene["wang"])
        with pytest.raises(NotOnNextShift) as refused:
            acknowledge_handover(handover, by=scene[who])
        assert refused.value.status == 403
        handover.refresh_from_db()
        assert handover.acknowledged_at is None and not audit.history(handover).filter(
            field="acknowledged_by").exists()

    def test_someone_on_tomorrows_late_shift_is_not_the_next_shift(self, scene, staff_user):
        handover = prepare_handover("early", MONDAY, by=scene["wang"])
        tomorrow = agent(staff_user, username="sun", shift="late", on=TUESDAY)
        with pytest.raises(NotOnNextShift):
            acknowledge_handover(handover, by=tomorrow)

    def test_a_supervisor_may_acknowledge_without_being_rostered(self, scene):
        handover = prepare_handover("early", MONDAY, by=scene["wang"])
        assert acknowledge_handover(handover, by=scene["boss"]).acknowledged_by == scene["boss"]

    def test_the_late_shift_hands_over_to_the_next_days_early_shift(self, scene, staff_user):
        morning = agent(staff_user, username="zhou", shift="early", on=TUESDAY)
        clock.freeze(at(MONDAY, 23))
        handover = prepare_handover("late", MONDAY, by=scene["zhao"])
        with pytest.raises(NotOnNextShift):
            acknowledge_handover(handover, by=scene["wang"])  # Monday's early shift came before, not after
        assert acknowledge_handover(handover, by=morning).acknowledged_by == morning

    def test_the_next_shift_skips_a_holiday(self, scene):
        Holiday.objects.create(date=TUESDAY, name="休息日")
        late = Shift.objects.get(code="late")
        assert selectors.next_shift(late, MONDAY) == (Shift.objects.get(code="early"), TUESDAY + timedelta(days=1))
        assert selectors.next_shift(Shift.objects.get(code="early"), MONDAY) == (late, MONDAY)


class TestDuty:
    def run(self) -> int:
        return duties.get("contact.prepare_handovers").run()

    def test_prepares_once_in_the_last_30_minutes_and_not_earlier(self, scene):
        kept = held_by(scene["wang"], scene["boss"])
        clock.freeze(at(MONDAY, 15, 59))
        assert self.run() == 0 and not Handover.objects.exists()

        clock.freeze(at(MONDAY, 16, 1))
        assert self.run() == 1
        handover = Handover.objects.get()
        assert (handover.shift.code, handover.date, handover.prepared_by) == ("early", MONDAY, None)
        assert numbers(handover) == {kept.number}

        clock.freeze(at(MONDAY, 16, 6))
        held_by(scene["wang"], scene["boss"])
        assert self.run() == 0  # once: what people prepare is theirs to refresh
        assert Handover.objects.count() == 1 and handover.items.count() == 1

    def test_a_handover_someone_prepared_is_left_alone(self, scene):
        prepare_handover("early", MONDAY, by=scene["wang"], note="我已经写好了")
        clock.freeze(at(MONDAY, 16, 10))
        assert self.run() == 0
        assert Handover.objects.get().prepared_by == scene["wang"]

    def test_outside_hours_nothing_is_prepared(self, scene):
        clock.freeze(at(TUESDAY, 3))
        assert self.run() == 0 and not Handover.objects.exists()

    def test_the_late_shift_crossing_midnight(self, scene):
        held = held_by(scene["zhao"], scene["boss"])
        clock.freeze(at(TUESDAY, 0, 10))

        shift, service_date = selectors.current_shift(clock.now())
        assert (shift.code, service_date) == ("late", MONDAY)  # at 00:10 it is still Monday's late shift
        assert self.run() == 1
        handover = Handover.objects.get()
        assert (handover.shift.code, handover.date) == ("late", MONDAY)
        assert numbers(handover) == {held.number}


class TestApi:
    URL = "/api/v1/agent/handovers"

    def test_prepare_read_and_acknowledge(self, scene):
        held = held_by(scene["wang"], scene["boss"])
        conversation.add_note(held, "等仓库回电", by=scene["wang"])
        wang = logged_in(scene["wang"])[0]
        prepared = post(wang, f"{self.URL}/prepare", {"shift": "early", "date": "2026-11-23", "note": "记得回电"})
        assert prepared.status_code == 200, prepared.content
        body = prepared.json()
        assert (body["shift"], body["date"], body["note"], body["prepared_by"]) == (
            "early", "2026-11-23", "记得回电", "wang")
        assert [(i["ticket"], i["last_note"], i["next_action"]) for i in body["items"]] == [
            (held.number, "等仓库回电", held.next_step)]

        now = wang.get(f"{self.URL}/current").json()
        assert now["shift_now"] == {"shift": "early", "date": "2026-11-23"} and now["current"]["id"] == body["id"]
        assert now["shift_before"] == {"shift": "late", "date": "2026-11-22"} and now["previous"] is None

        refused = post(wang, f"{self.URL}/{body['id']}/acknowledge")
        assert refused.status_code == 403 and refused.json()["detail"][0]["type"] == "not_next_shift"
        clock.freeze(at(MONDAY, 16, 40))
        zhao = logged_in(scene["zhao"])[0]
        assert zhao.get(f"{self.URL}/current").json()["previous"]["id"] == body["id"]
        taken = post(zhao, f"{self.URL}/{body['id']}/acknowledge")
        assert taken.status_code == 200 and taken.json()["acknowledged_by"] == "zhao"
        assert post(zhao, f"{self.URL}/{body['id']}/acknowledge").status_code == 409
        assert post(wang, f"{self.URL}/prepare", {"shift": "early", "date": "2026-11-23"}).status_code == 409

    @pytest.mark.parametrize(("body", "loc"), [
        ({"shift": "night", "date": "2026-11-23"}, ["body", "shift"]),
        ({"shift": "early", "date": "23/11/2026"}, ["body", "date"]),
        ({"shift": "late", "date": "2026-11-23"}, ["body", "date"]),  # not started at 10:00
        ({"shift": "early"}, ["body", "date"]),
        ({"shift": "early", "date": "2026-11-23", "note": "x" * 2001}, ["body", "note"]),
    ])
    def test_bad_input_is_422_naming_the_field(self, scene, body, loc):
        response = post(logged_in(scene["wang"])[0], f"{self.URL}/prepare", body)
        assert response.status_code == 422 and loc in locs(response)
        assert not Handover.objects.exists()

    def test_customers_are_403_anonymous_401_and_unknown_handovers_404(self, scene):
        customer = logged_in(complaint().customer.user)[0]
        assert customer.get(f"{self.URL}/current").status_code == 403
        assert post(customer, f"{self.URL}/prepare", {"shift": "early", "date": "2026-11-23"}).status_code == 403
        assert Client().get(f"{self.URL}/current").status_code == 401
        assert post(logged_in(scene["zhao"])[0], f"{self.URL}/99999/acknowledge").status_code == 404
        assert not Handover.objects.exists()


def test_without_shift_rows_nothing_is_rostered_or_handed_over():
    """An operator who deleted every shift: SLAs fall back to the default calendar, and the duties find no
    running shift instead of failing."""
    Shift.objects.all().delete()
    clock.freeze(at(MONDAY, 16, 10))
    try:
        assert selectors.current_shift(clock.now()) is None
        assert selectors.on_shift_user_ids(clock.now()) == set()
        assert duties.get("contact.prepare_handovers").run() == 0
        assert not Handover.objects.exists()
    finally:
        clock.reset()
