"""The shift handover page: who may open it, the running shift's list (prepare, refresh, a note for the next
shift), the list the shift before left (acknowledged by the next shift only), a past handover, the last 14 days,
and the late shift after midnight."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kefu.contact.models import Handover, RosterEntry, Shift
from kefu.contact.services import acknowledge_handover, prepare_handover
from kefu.core import clock
from kefu.tickets.services import assignment
from tests import factories as f
from tests.portal.builders import login_customer
from tests.tickets.builders import SHANGHAI, agent, complaint

pytestmark = [pytest.mark.django_db]

URL = "/workbench/handover/"
MONDAY = date(2026, 11, 23)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def team(roles, staff_user):
    """Monday 10:00 (the early shift). 小王 early, 小赵 late; 小王 holds one open ticket."""
    clock.freeze(at(MONDAY, 10))
    wang = agent(staff_user, username="wang", shift="early")
    zhao = agent(staff_user, username="zhao", shift="late")
    boss = staff_user("supervisor", "boss")
    ticket = complaint(subject="<b>屏幕</b>有坏点")
    assignment.assign(ticket, wang, by=boss)
    yield {"wang": wang, "zhao": zhao, "boss": boss, "ticket": ticket}
    clock.reset()


def section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def signed_in(client, user):
    client.force_login(user)
    return client


class TestAccess:
    def test_anonymous_goes_to_the_sign_in(self, client, roles):
        response = client.get(URL)
        assert response.status_code == 302 and response["Location"] == f"/workbench/login/?next={URL}"

    def test_a_customer_and_the_warehouse_are_forbidden(self, client, staff_user):
        login_customer(client, f.customer())
        assert client.get(URL).status_code == 403
        signed_in(client, staff_user("warehouse"))
        assert client.get(URL).status_code == 403

    @pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "supervisor", "care_team"])
    def test_agents_see_it(self, client, staff_user, role):
        assert signed_in(client, staff_user(role)).get(URL).status_code == 200


class TestThisShift:
    def test_preparing_lists_the_open_items_with_a_note_for_the_next_shift(self, client, team):
        page = signed_in(client, team["wang"]).get(URL)
        current = section(page.content.decode(), "current-handover")
        assert 'data-shift="early"' in current and 'data-date="2026-11-23"' in current
        assert 'data-testid="not-prepared"' in current and 'data-testid="prepare"' in current

        response = client.post(URL, {"action": "prepare", "shift": "early", "date": "2026-11-23",
                                     "note": "张先生下午会再打来"})
        assert response.status_code == 302 and response["Location"] == URL
        handover = Handover.objects.get()
        assert (handover.shift.code, handover.date, handover.note, handover.prepared_by) == (
            "early", MONDAY, "张先生下午会再打来", team["wang"])

        current = section(client.get(URL).content.decode(), "current-handover")
        assert f'data-ticket="{team["ticket"].number}"' in current
        assert "张先生下午会再打来" in current
        assert "&lt;b&gt;屏幕&lt;/b&gt;有坏点" in current and "<b>屏幕</b>" not in current

    def test_refreshing_adds_what_is_new(self, client, team):
        prepare_handover("early", MONDAY, by=team["wang"])
        newer = complaint(subject="新来的投诉")
        assignment.assign(newer, team["wang"], by=team["boss"])
        signed_in(client, team["wang"]).post(URL, {"action": "prepare", "shift": "early", "date": "2026-11-23"})
        assert Handover.objects.count() == 1
        assert set(Handover.objects.get().items.values_list("ticket__number", flat=True)) == {
            team["ticket"].number, newer.number}

    def test_items_link_to_the_ticket_page(self, client, team):
        prepare_handover("early", MONDAY, by=team["wang"])
        html = section(signed_in(client, team["wang"]).get(URL).content.decode(), "current-handover")
        assert f'href="/workbench/tickets/{team["ticket"].number}/"' in html

    def test_a_bad_form_is_refused_and_writes_nothing(self, client, team):
        response = signed_in(client, team["wang"]).post(URL, {"action": "prepare", "shift": "early",
                                                              "date": "not a date"})
        assert response.status_code == 422 and 'data-testid="action-error"' in response.content.decode()
        late = client.post(URL, {"action": "prepare", "shift": "late", "date": "2026-11-23"})
        assert late.status_code == 422  # the late shift has not started yet
        assert client.post(URL, {"action": "dance"}).status_code == 400
        assert not Handover.objects.exists()


class TestTheShiftBefore:
    @pytest.fixture
    def evening(self, team):
        """The early shift's list prepared; now 17:00, the late shift is on."""
        prepare_handover("early", MONDAY, by=team["wang"], note="记得回电")
        clock.freeze(at(MONDAY, 17))
        return Handover.objects.get()

    def test_the_next_shift_sees_the_list_and_acknowledges_it(self, client, team, evening):
        page = signed_in(client, team["zhao"]).get(URL).content.decode()
        previous = section(page, "previous-handover")
        assert 'data-shift="early"' in previous and team["ticket"].number in previous and "记得回电" in previous
        assert 'data-testid="acknowledge"' in previous
        assert 'data-shift="late"' in section(page, "current-handover")

        response = client.post(URL, {"action": "acknowledge", "handover": evening.pk})
        assert response.status_code == 302
        evening.refresh_from_db()
        assert (evening.acknowledged_by, evening.acknowledged_at) == (team["zhao"], clock.now())
        again = client.post(URL, {"action": "acknowledge", "handover": evening.pk})
        assert again.status_code == 409 and 'data-testid="action-error"' in again.content.decode()

    def test_the_shift_that_handed_over_cannot_acknowledge(self, client, team, evening):
        page = signed_in(client, team["wang"]).get(URL).content.decode()
        assert 'data-testid="acknowledge"' not in page
        response = client.post(URL, {"action": "acknowledge", "handover": evening.pk})
        assert response.status_code == 403 and 'data-testid="action-error"' in response.content.decode()
        evening.refresh_from_db()
        assert evening.acknowledged_at is None

    def test_an_unknown_handover_is_404(self, client, team, evening):
        assert signed_in(client, team["zhao"]).post(URL, {"action": "acknowledge", "handover": 999}).status_code == 404


def test_after_midnight_the_running_shift_is_yesterdays_late_shift(client, team):
    clock.freeze(at(MONDAY + timedelta(days=1), 0, 10))
    page = signed_in(client, team["zhao"]).get(URL).content.decode()
    current = section(page, "current-handover")
    assert 'data-shift="late"' in current and 'data-date="2026-11-23"' in current
    assert 'data-shift="early"' in section(page, "previous-handover")


def test_outside_hours_the_last_shift_is_the_one_before(client, team):
    clock.freeze(at(MONDAY + timedelta(days=1), 3))
    page = signed_in(client, team["wang"]).get(URL).content.decode()
    assert 'data-testid="prepare"' not in section(page, "current-handover")
    previous = section(page, "previous-handover")
    assert 'data-shift="late"' in previous and 'data-date="2026-11-23"' in previous


def test_a_past_handover_and_the_last_14_days(client, team):
    early = Shift.objects.get(code="early")
    old = Handover.objects.create(shift=early, date=MONDAY - timedelta(days=20), prepared_at=clock.now())
    RosterEntry.objects.create(user=team["wang"], date=MONDAY - timedelta(days=3), shift=early)
    recent = prepare_handover("early", MONDAY - timedelta(days=3), by=team["wang"], note="三天前的交接")
    acknowledge_handover(recent, by=team["boss"])

    page = signed_in(client, team["wang"]).get(URL).content.decode()
    listed = page.split('data-testid="recent-handovers"')[1].split("</table>")[0]
    assert f'data-handover="{recent.pk}"' in listed and f'data-handover="{old.pk}"' not in listed
    assert f'href="/workbench/handover/{recent.pk}/"' in listed

    detail = client.get(f"/workbench/handover/{recent.pk}/").content.decode()
    assert "三天前的交接" in detail and team["ticket"].number in detail
    assert 'data-testid="acknowledge"' not in detail and 'data-testid="prepare"' not in detail
    assert client.get("/workbench/handover/999999/").status_code == 404
