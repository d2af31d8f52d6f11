"""The after-sales API at the warehouse desk: receive a parcel (tracking or case number), inspect, restock.
The desk and the agents may not use each other's endpoints."""

import pytest

from kefu.aftersales.services import cases
from kefu.commerce.models import Sku
from tests import factories as f
from tests.aftersales.api_support import API, locs, logged_in, post, written
from tests.aftersales.builders import (
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    received_case,
    signed_order,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root", "roles")]

ACCEPTED = {"outcome": "accepted", "condition_found": "intact", "resellable": True, "notes": "完好"}


@pytest.fixture
def desk_user(staff_user):
    return staff_user("warehouse")


@pytest.fixture
def desk(desk_user):
    return logged_in(desk_user)[0]


@pytest.fixture
def in_transit():
    """A no-reason return of two units on its way back under tracking number SF0000000001."""
    order = signed_order(lines=(("100.00", 2),))
    case = cases.approve(cases.open_case(order, "return", "no_reason", [asked(order)]))
    return cases.add_return_tracking(case, carrier=f.carrier("sf", "顺丰速运"), tracking_number="SF0000000001")


# --- who may use the desk -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["inspection/start", "inspection", "restock"])
def test_only_the_warehouse_desk_may_inspect_or_restock(client, in_transit, staff_user, path):
    url = f"{API}/cases/{in_transit.number}/{path}"
    before = written()
    assert post(client, url, ACCEPTED).status_code == 401
    assert post(logged_in(in_transit.customer.user)[0], url, ACCEPTED).status_code == 403
    for role in ("aftersale_agent", "supervisor", "presale_agent"):
        response = post(logged_in(staff_user(role, f"{role}-{path}"))[0], url, ACCEPTED)
        assert response.status_code == 403 and response.json() == {"detail": "Only the warehouse desk may do this."}
    assert written() == before


def test_only_the_warehouse_desk_may_receive(client, in_transit, staff_user):
    before = written()
    assert post(client, f"{API}/warehouse/receive", {"ref": "SF0000000001"}).status_code == 401
    agent = logged_in(staff_user("aftersale_agent"))[0]
    assert post(agent, f"{API}/warehouse/receive", {"ref": "SF0000000001"}).status_code == 403
    assert written() == before


@pytest.mark.parametrize("action", ["approve", "refund", "close", "decline"])
def test_the_desk_may_not_use_the_agents_endpoints(desk, in_transit, action):
    before = written()
    assert post(desk, f"{API}/cases/{in_transit.number}/{action}", {"reason": "x"}).status_code == 403
    assert written() == before


def test_the_desk_reads_cases_with_the_staff_view(desk, in_transit):
    body = desk.get(f"{API}/cases/{in_transit.number}").json()
    assert body["return_shipment"]["tracking_number"] == "SF0000000001" and body["escalated"] is False


def test_the_desk_writes_need_the_csrf_token(desk_user, in_transit):
    client, token = logged_in(desk_user, csrf=True)
    before = written()
    assert post(client, f"{API}/warehouse/receive", {"ref": "SF0000000001"}).status_code == 403
    assert written() == before
    response = post(client, f"{API}/warehouse/receive", {"ref": "SF0000000001"}, **{"X-CSRFToken": token})
    assert response.status_code == 200


# --- receive --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["SF0000000001", " sf0000000001 "])
def test_receive_by_tracking_number_starts_the_clock(desk, desk_user, in_transit, ref):
    response = post(desk, f"{API}/warehouse/receive", {"ref": ref})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["status"]) == (in_transit.number, "received")
    assert body["received_at"] == "2026-03-10T10:00:00+08:00"
    assert body["hundred_minutes"]["deadline"] == "2026-03-10T11:40:00+08:00"
    assert body["timeline"][-1]["by"] == desk_user.username

    before = written()
    assert post(desk, f"{API}/warehouse/receive", {"ref": ref}).json()["status"] == "received"  # scanned twice
    assert written() == before


def test_receive_by_case_number_without_tracking(desk):
    order = signed_order()
    case = cases.approve(cases.open_case(order, "return", "no_reason", [asked(order)]))
    assert post(desk, f"{API}/warehouse/receive", {"ref": case.number}).json()["status"] == "received"


@pytest.mark.parametrize(("ref", "status", "loc"), [
    ("SF9999999999", 404, ["body", "ref"]),
    ("   ", 422, ["body", "ref"]),
    ("", 422, ["body", "ref"]),
    ("x" * 41, 422, ["body", "ref"]),
])
def test_receive_unknown_or_empty_references(desk, in_transit, ref, status, loc):
    before = written()
    response = post(desk, f"{API}/warehouse/receive", {"ref": ref})
    assert response.status_code == status and locs(response) == [loc]
    assert written() == before


def test_receiving_a_case_that_expects_no_parcel_is_409(desk):
    order = signed_order()
    case = cases.open_case(order, "return", "no_reason", [asked(order)])  # not approved yet
    before = written()
    response = post(desk, f"{API}/warehouse/receive", {"ref": case.number})
    assert response.status_code == 409 and written() == before


# --- inspect ----------------------------------------------------------------------------------------------------

def test_inspection_start_then_accept_stops_the_clock(desk, desk_user, in_transit):
    received_number = post(desk, f"{API}/warehouse/receive", {"ref": "SF0000000001"}).json()["number"]
    assert post(desk, f"{API}/cases/{received_number}/inspection/start").json()["status"] == "inspecting"
    body = post(desk, f"{API}/cases/{received_number}/inspection", ACCEPTED).json()
    assert body["status"] == "accepted" and body["decided_at"] == "2026-03-10T10:00:00+08:00"
    assert body["inspection"]["notes"] == "完好" and body["inspection"]["resellable"] is True
    assert [line["accepted_quantity"] for line in body["lines"]] == [2]
    assert body["hundred_minutes"]["breached"] is False

    shopper = logged_in(in_transit.customer.user)[0]
    public = shopper.get(f"{API}/cases/{received_number}").json()
    assert public["inspection"]["outcome"] == "accepted" and public["inspection"]["notes"] is None


def test_partly_accepted_by_case_line(desk, in_transit):
    case = post(desk, f"{API}/warehouse/receive", {"ref": "SF0000000001"}).json()
    line_id = case["lines"][0]["id"]
    body = post(desk, f"{API}/cases/{case['number']}/inspection",
                {**ACCEPTED, "outcome": "partly_accepted", "accepted": {str(line_id): 1}}).json()
    assert body["status"] == "partly_accepted" and body["lines"][0]["accepted_quantity"] == 1
    assert body["refund_goods"] == "100.00"


@pytest.mark.parametrize(("change", "loc"), [
    ({"outcome": "maybe"}, ["body", "outcome"]),
    ({"condition_found": "sparkling"}, ["body", "condition_found"]),
    ({"resellable": "perhaps"}, ["body", "resellable"]),
    ({"outcome": "partly_accepted", "accepted": {"x": 1}}, ["body", "accepted", "x", "[key]"]),
    ({"outcome": "partly_accepted", "accepted": {"999999": 1}}, ["body", "accepted", "line"]),
    ({"inspector": "me"}, ["body", "inspector"]),
])
def test_bad_inspections_are_422(desk, in_transit, change, loc):
    post(desk, f"{API}/warehouse/receive", {"ref": "SF0000000001"})
    before = written()
    response = post(desk, f"{API}/cases/{in_transit.number}/inspection", {**ACCEPTED, **change})
    assert response.status_code == 422, response.content
    line_id = in_transit.lines.get().pk
    assert locs(response)[0] == [line_id if part == "line" else part for part in loc]
    assert written() == before


@pytest.mark.parametrize(("accepted", "loc"), [
    ({}, ["body", "accepted", "line"]),  # the line is missing from the map
    ({"line": 0, "999999": 1}, ["body", "accepted"]),
    ({"line": 2}, ["body", "accepted"]),  # all of them: that is accepted, not partly
    ({"line": 3}, ["body", "accepted", "line"]),  # more than were asked for
])
def test_partly_accepted_quantities_are_checked_per_line(desk, in_transit, accepted, loc):
    post(desk, f"{API}/warehouse/receive", {"ref": "SF0000000001"})
    line_id = in_transit.lines.get().pk
    body = {**ACCEPTED, "outcome": "partly_accepted",
            "accepted": {str(line_id) if key == "line" else key: qty for key, qty in accepted.items()}}
    before = written()
    response = post(desk, f"{API}/cases/{in_transit.number}/inspection", body)
    assert response.status_code == 422, response.content
    assert locs(response) == [[line_id if part == "line" else part for part in loc]]
    assert written() == before


def test_a_wrong_item_case_needs_the_warehouse_to_say_whether_it_was(desk):
    case = received_case(wrong_item_case())
    before = written()
    response = post(desk, f"{API}/cases/{case.number}/inspection", ACCEPTED)
    assert response.status_code == 422 and locs(response) == [["body", "wrong_item_confirmed"]]
    assert written() == before
    body = post(desk, f"{API}/cases/{case.number}/inspection", {**ACCEPTED, "wrong_item_confirmed": False}).json()
    assert (body["return_shipping_paid_by"], body["refund_shipping"]) == ("buyer", "0.00")


def test_inspecting_a_parcel_not_yet_received_is_409(desk, in_transit):
    before = written()
    response = post(desk, f"{API}/cases/{in_transit.number}/inspection", ACCEPTED)
    assert response.status_code == 409 and written() == before
    assert post(desk, f"{API}/cases/{in_transit.number}/inspection/start").status_code == 409


# --- restock ----------------------------------------------------------------------------------------------------

def test_restock_accepted_resellable_units_once(desk, in_transit):
    sku = Sku.objects.get(pk=in_transit.order.lines.get().sku_id)
    post(desk, f"{API}/warehouse/receive", {"ref": "SF0000000001"})
    post(desk, f"{API}/cases/{in_transit.number}/inspection", ACCEPTED)

    body = post(desk, f"{API}/cases/{in_transit.number}/restock").json()
    assert body["inspection"]["restocked_at"] == "2026-03-10T10:00:00+08:00"
    sku.refresh_from_db()
    assert sku.stock == 12
    before = written()
    assert post(desk, f"{API}/cases/{in_transit.number}/restock").status_code == 200
    assert written() == before


def test_restocking_a_rejected_return_is_409(desk, in_transit):
    post(desk, f"{API}/warehouse/receive", {"ref": "SF0000000001"})
    post(desk, f"{API}/cases/{in_transit.number}/inspection", {**ACCEPTED, "outcome": "rejected", "resellable": False})
    before = written()
    response = post(desk, f"{API}/cases/{in_transit.number}/restock")
    assert response.status_code == 409 and locs(response) == [["body", "inspection"]]
    assert written() == before
