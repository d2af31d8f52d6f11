"""Tickets in the demo data (`kefu seed`): every channel, status and handling step, consistent SLA clocks, the
team's profiles and roster, the demo customer's complaints, determinism, and `--flush`.

The demo data set is seeded once for this module through the command (committed, then flushed at the end, so
the other modules never see it); each test runs in its own transaction on top of it and rolls back.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from kefu.commerce.management.commands import seed as seed_command
from kefu.commerce.seed import STORY_PHONE, run_seed
from kefu.commerce.seed.writer import flush, seeded_staff
from kefu.contact.models import AgentProfile, Handover, HandoverItem, RosterEntry
from kefu.contact.selectors import on_shift_user_ids
from kefu.core import clock
from kefu.core.models import OutboxEvent
from kefu.tickets import placeholders
from kefu.tickets import ticket_states as st
from kefu.tickets.coach import check
from kefu.tickets.models import CannedReply, FollowUpVisit, Notice, SlaClock, Ticket, TicketMessage
from kefu.tickets.seed import FLUSH_MODELS, digest, seed_tickets
from kefu.tickets.seed.team import TEAM
from kefu.tickets.seed.texts import COACHED_REPLY
from kefu.tickets.services import follow_up
from kefu.tickets.sla_sweep import sweep
from tests.seed_support import forgotten_afterwards

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed-cases")]
ANCHOR = "2026-03-15"
SH = ZoneInfo("Asia/Shanghai")
LIVE = datetime(2026, 3, 15, 12, 0, tzinfo=SH)  # a past anchor: the data is "now" at noon of that day


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """`kefu seed --scale demo --anchor 2026-03-15`, once; yields (command output, the seed's report)."""
    reports = []

    def keep(**kwargs):
        reports.append(run_seed(**kwargs))
        return reports[-1]

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")), \
            forgotten_afterwards():
        out = io.StringIO()
        with mock.patch.object(seed_command, "run_seed", keep):
            call_command("seed", "--scale", "demo", "--anchor", ANCHOR, "--no-progress", "--no-accounts",
                         stdout=out, stderr=io.StringIO())
        yield out.getvalue(), reports[0]


@pytest.fixture
def live(seeded):
    clock.freeze(LIVE)
    return LIVE


def open_tickets():
    return Ticket.objects.filter(status__in=st.OPEN_STATUSES)


# --- what the demo holds -------------------------------------------------------------------------------------------
def test_the_command_reports_the_tickets_and_writes_no_outbox(seeded):
    output, report = seeded
    tickets = report.tickets
    assert "tickets (" in output and "portal notices" in output and "handover of the" in output
    assert 45 <= tickets.tickets == Ticket.objects.count() <= 80
    assert tickets.live_at == LIVE
    assert not OutboxEvent.objects.exists()  # seeded history is not news


def test_every_channel_kind_status_and_handling_step_is_there(seeded):
    assert set(Ticket.objects.values_list("channel", flat=True)) == {"web", "email", "chat", "phone", "review",
                                                                      "agent"}
    assert set(Ticket.objects.values_list("kind", flat=True)) == {"complaint", "question", "request", "care_task"}
    assert set(Ticket.objects.values_list("status", flat=True)) == set(st.CATEGORY)
    assert set(Ticket.objects.values_list("flow", flat=True)) == st.FLOW.states
    assert set(Ticket.objects.values_list("queue__code", flat=True)) >= {"aftersale", "complaints", "presale",
                                                                         "diamond", "care"}
    assert Ticket.objects.filter(order__isnull=False).count() >= 40
    assert Ticket.objects.filter(case__isnull=False).exists()
    assert Ticket.objects.filter(customer__isnull=True).exclude(requester_email="").exists()  # a stranger's email
    for ticket in Ticket.objects.filter(order__isnull=False).select_related("order"):
        assert ticket.order.customer_id == ticket.customer_id and ticket.created_at > ticket.order.placed_at


def test_new_tickets_wait_unassigned_some_near_the_warning_and_two_breached_to_the_supervisor(live):
    new = Ticket.objects.filter(status=st.NEW)
    assert new.filter(assignee__isnull=True).count() == new.count() >= 6
    first = SlaClock.objects.filter(ticket__status=st.NEW, kind="first_response")
    warned = first.filter(warned_at__isnull=False, breached_at__isnull=True)
    assert warned.exists()
    nearly = [c for c in first.filter(warned_at__isnull=True, due_at__isnull=False)
              if (LIVE - c.started_at) >= (c.warn_at - c.started_at) * 0.85]
    assert nearly  # close to its warning
    breached = first.filter(breached_at__isnull=False)
    assert breached.count() >= 2
    for c in breached.select_related("ticket"):
        assert c.ticket.escalation_level == 1 and c.ticket.escalated_at == c.breached_at
        assert SlaClock.objects.filter(ticket=c.ticket, kind="supervisor", due_at__gt=LIVE).exists()
    # only the tickets meant to breach did: every other target held
    assert set(SlaClock.objects.filter(breached_at__isnull=False).values_list("ticket__status", flat=True)) == {"new"}


def test_escalations_by_hand_and_the_care_team(seeded):
    care = Ticket.objects.get(escalation_level=2)
    assert care.queue.code == "care" and care.assignee.username == "care_team" and care.status == st.OPEN
    story = Ticket.objects.get(customer__phone=STORY_PHONE, status=st.OPEN)
    assert story.escalation_level == 1 and story.queue.code == "diamond"
    assert story.assignee.username == "aftersale_agent"  # 丁康, the senior agent [seed 002]
    care_tasks = Ticket.objects.filter(kind="care_task")
    assert care_tasks.count() >= 2 and set(care_tasks.values_list("queue__code", flat=True)) == {"care"}
    assert all(t.parent_id for t in care_tasks)


def test_open_tickets_have_notes_and_waiting_ones_paused_clocks(seeded):
    assigned = Ticket.objects.filter(status=st.OPEN, assignee__isnull=False)
    assert assigned.count() >= 8
    assert TicketMessage.objects.filter(ticket__in=assigned, internal=True).values("ticket").distinct().count() >= 5
    waiting = Ticket.objects.filter(status=st.WAITING_CUSTOMER)
    assert waiting.count() >= 4
    for ticket in waiting:
        clocks = ticket.sla_clocks.filter(stopped_at__isnull=True)
        assert clocks.exists() and all(c.paused and c.remaining_seconds > 0 for c in clocks)


def test_resolutions_visits_scores_and_care_tasks(live):
    resolved = Ticket.objects.filter(status=st.RESOLVED)
    assert resolved.exists() and all(t.follow_up for t in resolved)
    visits = Counter(FollowUpVisit.objects.values_list("status", flat=True))
    assert visits["scheduled"] >= 2 and visits["sent"] >= 1 and visits["answered"] >= 10 and visits["expired"] >= 1
    assert all(v.due_at > LIVE for v in FollowUpVisit.objects.filter(status="scheduled"))
    scores = list(FollowUpVisit.objects.filter(status="answered").values_list("csat", flat=True))
    assert sum(s >= 4 for s in scores) >= 0.7 * len(scores) and min(scores) <= 2
    for visit in FollowUpVisit.objects.filter(status="answered"):
        assert (visit.care_task_id is not None) == (visit.csat <= follow_up.low_score())
        assert visit.answers and visit.answered_at >= visit.sent_at
    assert Ticket.objects.filter(status=st.CLOSED).count() >= 10
    refused = Ticket.objects.get(status=st.CLOSED, flow=st.REFUSED)
    assert refused.refusal_reason and refused.solution
    assert follow_up.send_due() == 0  # the duty has nothing left: the seed did what it does


def test_a_merged_duplicate_and_a_split(seeded):
    merged = Ticket.objects.get(status=st.MERGED)
    assert merged.merged_into.customer_id == merged.customer_id and merged.merged_into.is_open
    assert not merged.messages.exists() and merged.merged_into.messages.filter(author_kind="system").exists()
    split = Ticket.objects.get(parent__isnull=False, kind__in=["complaint", "question", "request"])
    assert split.parent.customer_id == split.customer_id and split.messages.filter(author_kind="customer").exists()
    assert split.first_responded_at is not None


def test_clocks_agree_with_the_status_and_the_sweep_has_nothing_left(live):
    for c in SlaClock.objects.select_related("ticket"):
        category = c.ticket.status_category
        if category == st.DONE:
            assert c.stopped_at is not None, c
        if c.stopped_at is None and c.due_at is None:  # no running clock without a due time unless paused
            assert category == st.PAUSED and c.remaining_seconds is not None, c
        if c.due_at is not None:
            assert c.warn_at is not None and c.warn_at <= c.due_at, c
    for ticket in open_tickets().exclude(status=st.WAITING_CUSTOMER):
        assert ticket.sla_clocks.filter(kind="resolution", stopped_at__isnull=True, due_at__gt=LIVE).exists()
    assert not Ticket.objects.filter(created_at__gt=LIVE).exists()
    assert sweep() == {"warned": 0, "breached": 0, "to_supervisor": 0, "to_care_team": 0}


def test_agent_replies_pass_the_reply_coach_but_one(seeded):
    flagged = TicketMessage.objects.exclude(coach_flags=[]).get()
    assert flagged.body == COACHED_REPLY and flagged.author_kind == "agent"
    assert flagged.coach_flags[0]["phrase"] == "规定就是这样"
    replies = TicketMessage.objects.filter(author_kind="agent", internal=False).exclude(pk=flagged.pk)
    for message in replies.select_related("ticket"):
        if message.created_at == message.ticket.created_at:
            continue  # the customer's own words, typed in by the agent who took the call
        assert not check(message.body), message.body


def test_the_demo_customer_sees_his_complaints_and_the_outcome_notice(seeded, client):
    mine = Ticket.objects.filter(customer__phone=STORY_PHONE)
    assert mine.count() >= 2 and mine.filter(channel="web").exists()
    web = mine.get(channel="web")
    assert web.order.shipments.filter(exception_kind="delayed").exists()  # the milk powder [seed 003]
    assert web.messages.filter(internal=True, body__contains="中通").exists()  # the agent called the courier
    outcome = Notice.objects.filter(ticket=web).order_by("created_at").first()  # told without asking
    assert web.number in outcome.title and outcome.created_at == web.resolved_at
    client.force_login(web.customer.user)
    page = client.get(reverse("portal:tickets")).content.decode()
    assert all(t.number in page for t in mine)


def test_a_diamond_customers_ticket_waits_in_the_diamond_queue(seeded):
    diamond = Ticket.objects.filter(queue__code="diamond")
    assert diamond.exists() and set(diamond.values_list("customer__tier", flat=True)) == {"diamond"}
    assert set(diamond.exclude(assignee=None).values_list("assignee__username", flat=True)) <= {"aftersale_agent",
                                                                                                "supervisor"}


# --- the team ------------------------------------------------------------------------------------------------------
def test_profiles_roster_and_someone_on_shift_at_every_hour(live):
    profiles = {p.user.username: p for p in AgentProfile.objects.select_related("user")}
    assert set(profiles) == {m.username for m in TEAM}
    assert [u for u, p in profiles.items() if p.senior] == ["aftersale_agent"]
    assert all(p.ticket_capacity > 0 for u, p in profiles.items() if u not in ("supervisor", "care_team"))
    dates = RosterEntry.objects.values_list("date", flat=True)
    assert min(dates) == date(2026, 3, 1) and max(dates) == date(2026, 3, 22)
    for username in profiles:
        for monday in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)):
            week = RosterEntry.objects.filter(user__username=username, date__gte=monday,
                                              date__lt=monday + timedelta(days=7))
            assert week.values("date").distinct().count() == 5, (username, monday)  # two days off a week
    frontline = {u for u, p in profiles.items() if p.ticket_capacity}
    for day in range(-14, 8):
        service_date = LIVE.date() + timedelta(days=day)
        for hour, minute in ((8, 30), (12, 0), (16, 29), (16, 30), (20, 0), (24, 10)):
            at = datetime.combine(service_date, datetime.min.time(), SH) + timedelta(hours=hour, minutes=minute)
            on = set(AgentProfile.objects.filter(user_id__in=on_shift_user_ids(at))
                     .values_list("user__username", flat=True))
            assert on & frontline, at


def test_canned_replies_use_known_placeholders_and_some_belong_to_a_team(seeded):
    replies = list(CannedReply.objects.select_related("queue"))
    assert 5 <= len(replies) <= 8
    for reply in replies:
        placeholders.validate(reply.body)
        assert not check(reply.body), reply.title
    used = {name for r in replies for name in placeholders.placeholders_in(r.body)}
    assert used == set(placeholders.PLACEHOLDERS)
    assert {r.queue.code for r in replies if r.queue} == {"complaints", "logistics"}


def test_the_last_finished_shift_left_a_handover(seeded):
    handover = Handover.objects.get()
    assert (handover.shift.code, handover.date) == ("late", date(2026, 3, 14))
    assert handover.prepared_by.username in {m.username for m in TEAM} and handover.note
    assert HandoverItem.objects.filter(handover=handover).count() >= 2


def test_large_gets_the_team_only(seeded):
    before = Ticket.objects.count()
    report = seed_tickets(scale="large", seed=2026, live_at=int(LIVE.timestamp()))
    assert Ticket.objects.count() == before and report.profiles == len(TEAM)
    assert "benchmarks/sla_sweep.py" in report.summary()


# --- determinism and --flush ---------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_tickets_and_flush_empties_the_ticket_tables(seeded):
    first = digest()
    staff = list(seeded_staff().values_list("id", flat=True))
    counts = flush()
    assert counts["tickets"] > 0
    for model in FLUSH_MODELS:
        assert not model.objects.exists(), model
    assert not AgentProfile.objects.filter(user_id__in=staff).exists()
    assert not RosterEntry.objects.filter(user_id__in=staff).exists()
    run_seed(scale="demo", seed=2026, anchor=date.fromisoformat(ANCHOR), progress=False)
    assert digest() == first
    Ticket.objects.filter(status=st.CLOSED).update(subject="changed")
    assert digest() != first  # the digest does see the tickets


# --- the plans, at any hour (pure: no database) ---------------------------------------------------------------------
def _world(live: datetime):
    """A made-up data set around `live`: 40 customers (one diamond, the story's), 200 orders, 10 cases."""
    from kefu.contact.calendar import default_calendar
    from kefu.tickets.seed.plans import CaseRef, CustomerRef, OrderRef, World

    customers = {k: CustomerRef(k, 1000 + k, f"顾客{k}", "diamond" if k in (0, 7) else "silver", f"1390000{k:04d}")
                 for k in range(40)}
    orders = [OrderRef(k, f"26{k:012d}", k % 40, live - timedelta(days=60 - k * 0.29),
                       live - timedelta(days=59 - k * 0.29) if k % 3 else None, "商品", "中通快递", f"ZT{k:010d}")
              for k in range(200)]
    cases = [CaseRef(k, f"AS2026{k:08d}", k * 15, (k * 15) % 40, live - timedelta(days=40 - k)) for k in range(10)]
    targets = {1: (30, 60, 480, 240), 2: (60, 120, 960, 480), 3: (120, 240, 1920, 960), 4: (240, 480, 2880, 960)}
    targets = {p: dict(zip(("first_response", "next_response", "resolution", "supervisor"), t, strict=True))
               for p, t in targets.items()}
    milk = next(o for o in orders if o.customer_id == 0 and o.shipped_at)
    return World(live, default_calendar(), customers, orders, cases, customers[0], milk, targets)


@pytest.mark.django_db(False)
@pytest.mark.parametrize("seed", [9, 2026])
@pytest.mark.parametrize("hour", ["00:05", "03:00", "08:31", "12:00", "16:45", "23:59"])
def test_every_plan_fits_before_the_live_instant_whatever_the_hour(seed, hour):
    import random

    from kefu.tickets.seed.plans import MIX, Planner
    from kefu.tickets.seed.scenarios import draft_all

    h, m = map(int, hour.split(":"))
    live = datetime(2026, 3, 15, h, m, tzinfo=SH)
    planner = Planner(random.Random(f"kefu.tickets.seed:{seed}"), _world(live), 1)
    draft_all(planner)
    assert len(planner.plans) >= sum(MIX.values())
    team = {m.username for m in TEAM}
    for plan in planner.plans:
        times = [s.at for s in plan.steps]
        assert plan.steps[0].action == "open" and max(times) < live, (plan.scenario, hour)
        assert all(a <= b for a, b in zip(times, times[1:], strict=False)), plan.scenario
        assert plan.agent in team and (plan.order is None or plan.order.placed_at < times[0])
