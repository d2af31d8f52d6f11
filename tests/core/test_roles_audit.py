import pytest
from django.contrib.auth.models import Group

from kefu.core import audit, roles
from kefu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_every_role_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.PERMISSIONS)


def test_ensure_roles_is_idempotent_and_exact():
    roles.ensure_roles()
    roles.ensure_roles()
    assert Group.objects.filter(name__in=roles.PERMISSIONS).count() == len(roles.PERMISSIONS)
    warehouse = Group.objects.get(name=roles.WAREHOUSE)
    codenames = set(warehouse.permissions.values_list("codename", flat=True))
    assert "change_shipment" in codenames and "view_customer_phone" not in codenames


@pytest.mark.parametrize("role,full_phone,workbench", [
    (roles.PRESALE_AGENT, False, True),
    (roles.AFTERSALE_AGENT, True, True),
    (roles.SUPERVISOR, True, True),
    (roles.CARE_TEAM, True, True),
    (roles.WAREHOUSE, False, False),
    (roles.OPERATIONS, False, False),
    (roles.ADMIN, True, True),
    (roles.CUSTOMER, False, False),
])
def test_role_permissions(staff_user, role, full_phone, workbench):
    user = staff_user(role)
    assert user.has_perm(roles.FULL_PHONE) is full_phone
    assert user.has_perm(roles.WORKBENCH) is workbench


def test_admin_site_only_for_back_office_roles(staff_user):
    assert staff_user(roles.SUPERVISOR).is_staff and staff_user(roles.WAREHOUSE).is_staff
    assert not staff_user(roles.PRESALE_AGENT).is_staff
    assert not staff_user(roles.AFTERSALE_AGENT).is_staff


def test_unknown_role_refused(staff_user):
    user = staff_user(roles.SUPERVISOR)
    with pytest.raises(ValueError):
        roles.grant(user, "janitor")


def test_audit_records_who_what_and_why(staff_user):
    user = staff_user(roles.SUPERVISOR)
    group = Group.objects.get(name=roles.CUSTOMER)
    audit.status_changed(group, "a", "b", actor=user, reason="because")
    audit.money_changed(group, "refund", None, "12.50", actor="duty:test")
    entries = list(audit.history(group))
    assert [(e.kind, e.old_value, e.new_value) for e in entries] == [("status", "a", "b"), ("money", "", "12.50")]
    assert entries[0].actor == user and entries[0].reason == "because"
    assert entries[1].actor is None and entries[1].actor_label == "duty:test"


def test_audit_is_read_only_in_admin(staff_user, client):
    admin_user = staff_user(roles.ADMIN)
    admin_user.is_superuser = True
    admin_user.save()
    entry = audit.status_changed(Group.objects.first(), "a", "b")
    client.force_login(admin_user)
    assert client.get("/admin/core/auditentry/").status_code == 200
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_warehouse_works_shipments_in_the_admin_but_sees_no_customers(staff_user, client):
    client.force_login(staff_user(roles.WAREHOUSE))
    assert client.get("/admin/commerce/shipment/").status_code == 200
    assert client.get("/admin/commerce/customer/").status_code == 403
    assert client.get("/admin/core/auditentry/").status_code == 403


def test_outbox_event_page_shows_its_deliveries(staff_user, client, django_capture_on_commit_callbacks):
    from django.db import transaction

    from kefu.core import events
    from kefu.core.models import OutboxEvent

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.emit("order.status_changed", {"order": "KF-ADMIN-1", "from": "paid", "to": "shipped"})
    event = OutboxEvent.objects.get()
    client.force_login(staff_user(roles.SUPERVISOR))
    page = client.get(f"/admin/core/outboxevent/{event.pk}/change/")
    assert page.status_code == 200
    assert "push_to_order_watchers" in page.content.decode()


@pytest.mark.parametrize("role,can_see_cases,can_see_refunds,can_inspect", [
    (roles.AFTERSALE_AGENT, True, True, False),
    (roles.SUPERVISOR, True, True, False),
    (roles.CARE_TEAM, True, True, False),
    (roles.WAREHOUSE, True, False, True),
    (roles.PRESALE_AGENT, False, False, False),
    (roles.OPERATIONS, False, False, False),
])
def test_after_sales_permissions_follow_the_role(staff_user, role, can_see_cases, can_see_refunds, can_inspect):
    user = staff_user(role)
    assert user.has_perm("aftersales.view_aftersalescase") is can_see_cases
    assert user.has_perm("aftersales.view_refund") is can_see_refunds
    assert user.has_perm("aftersales.add_inspection") is can_inspect
