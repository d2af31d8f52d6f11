"""Roles are Django groups with permissions. This module is their one definition."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

CUSTOMER = "customer"
PRESALE_AGENT = "presale_agent"
AFTERSALE_AGENT = "aftersale_agent"
SUPERVISOR = "supervisor"
CARE_TEAM = "care_team"
WAREHOUSE = "warehouse"
OPERATIONS = "operations"
ADMIN = "admin"

LABELS = {
    CUSTOMER: _("Customer"),
    PRESALE_AGENT: _("Pre-sale agent"),
    AFTERSALE_AGENT: _("After-sale agent"),
    SUPERVISOR: _("Supervisor"),
    CARE_TEAM: _("Customer-care team"),
    WAREHOUSE: _("Warehouse"),
    OPERATIONS: _("Operations"),
    ADMIN: _("Administrator"),
}

_READ_COMMERCE = [
    "commerce.view_customer", "commerce.view_address", "commerce.view_order", "commerce.view_orderline",
    "commerce.view_payment", "commerce.view_shipment", "commerce.view_trackingevent",
    "commerce.view_product", "commerce.view_sku", "commerce.view_category", "commerce.view_seller",
    "commerce.view_carrier", "commerce.view_invoice",
]
_READ_AFTERSALES = [
    "aftersales.view_aftersalescase", "aftersales.view_caseline", "aftersales.view_caseevidence",
    "aftersales.view_returnshipment", "aftersales.view_inspection", "aftersales.view_refund",
    "aftersales.view_compensationcoupon",
]
_READ_TICKETS = ["tickets.view_ticket", "tickets.view_ticketmessage", "tickets.view_slaclock",
                 "tickets.view_cannedreply", "tickets.view_queue", "tickets.view_followupvisit",
                 "contact.view_shift", "contact.view_rosterentry", "contact.view_handover", "contact.add_handover",
                 "contact.change_handover"]
_SUPERVISE_TICKETS = ["tickets.supervise_tickets", "tickets.view_notice", "tickets.add_cannedreply",
                      "tickets.change_cannedreply",
                      "tickets.delete_cannedreply", "tickets.view_coachphrase", "tickets.add_coachphrase",
                      "tickets.change_coachphrase", "tickets.view_slapolicy", "tickets.change_slapolicy",
                      "tickets.view_surveyquestion", "tickets.add_surveyquestion", "tickets.change_surveyquestion",
                      "contact.add_rosterentry", "contact.change_rosterentry", "contact.delete_rosterentry",
                      "contact.view_agentprofile", "contact.add_agentprofile", "contact.change_agentprofile",
                      "contact.change_shift", "contact.view_holiday", "contact.add_holiday", "contact.change_holiday",
                      "contact.delete_holiday"]
# The contact centre's figures and the telephony system's records (read-only; agent lines map switch labels).
_SUPERVISE_CONTACT_CENTRE = ["calls.view_call", "calls.view_telephonyevent", "calls.view_agentline",
                             "calls.add_agentline", "calls.change_agentline", "calls.delete_agentline"]
# The assistant's knowledge base: FAQ entries (versioned) and the questions asked, to review.
_KNOWLEDGE_BASE = ["assistant.view_faqentry", "assistant.add_faqentry", "assistant.change_faqentry",
                   "assistant.view_faqversion", "assistant.view_askedquestion", "assistant.change_askedquestion"]
# Working cases: statuses move only through the services (the admin's actions call them).
_WORK_CASES = ["aftersales.change_aftersalescase", "aftersales.add_aftersalescase"]
WORKBENCH = "commerce.view_customer_360"  # may use the agents' workbench
FULL_PHONE = "commerce.view_customer_phone"  # sees phone numbers unmasked
WORK_CASES = "aftersales.change_aftersalescase"  # may work after-sales cases (approve, decline, refund…)
WAREHOUSE_DESK = "aftersales.add_inspection"  # may receive, inspect and restock returns
COMPLIANCE = "aftersales.view_hundred_minute_compliance"  # sees the 100-minute compliance report
WORK_TICKETS = "tickets.work_tickets"  # works tickets: replies, handling steps, resolve, escalate to supervisor
SUPERVISE_TICKETS = "tickets.supervise_tickets"  # escalations, care team hand-off, reports, handovers, merge
CONTACT_FIGURES = "calls.view_call"  # sees the contact centre's figures (wallboard, calls API)
CHAT = "chat.handle_conversation"  # serves live chats (the agent console's socket)
SUPERVISE_CHAT = "chat.supervise_chat"  # sees every chat queue, agent and conversation

PERMISSIONS: dict[str, list[str]] = {
    CUSTOMER: [],
    PRESALE_AGENT: [*_READ_COMMERCE, WORKBENCH, *_READ_TICKETS, WORK_TICKETS, CHAT],
    AFTERSALE_AGENT: [*_READ_COMMERCE, *_READ_AFTERSALES, *_WORK_CASES, WORKBENCH, FULL_PHONE,
                      "commerce.change_order", *_READ_TICKETS, WORK_TICKETS, CHAT],
    SUPERVISOR: [*_READ_COMMERCE, *_READ_AFTERSALES, *_WORK_CASES, WORKBENCH, FULL_PHONE, "commerce.change_order",
                 COMPLIANCE, "commerce.change_customer", "core.view_auditentry", "core.view_outboxevent",
                 "core.view_outboxdelivery", *_READ_TICKETS, WORK_TICKETS, *_SUPERVISE_TICKETS,
                 *_SUPERVISE_CONTACT_CENTRE, *_KNOWLEDGE_BASE, CHAT, SUPERVISE_CHAT],
    CARE_TEAM: [*_READ_COMMERCE, *_READ_AFTERSALES, *_WORK_CASES, WORKBENCH, FULL_PHONE, "commerce.change_order",
                COMPLIANCE, "commerce.change_customer", "core.view_auditentry", *_READ_TICKETS, WORK_TICKETS,
                *_SUPERVISE_TICKETS, "calls.view_call", *_KNOWLEDGE_BASE, CHAT],
    WAREHOUSE: ["commerce.view_order", "commerce.view_orderline", "commerce.view_shipment",
                "commerce.view_trackingevent", "commerce.view_product", "commerce.view_sku",
                "commerce.change_shipment", "commerce.add_trackingevent",
                "aftersales.view_aftersalescase", "aftersales.view_caseline", "aftersales.view_caseevidence",
                "aftersales.view_returnshipment", "aftersales.change_returnshipment",
                "aftersales.view_inspection", "aftersales.add_inspection", "aftersales.change_inspection"],
    OPERATIONS: ["commerce.view_product", "commerce.view_sku", "commerce.view_category", "commerce.view_order",
                 "commerce.view_orderline", "commerce.change_product", "commerce.change_sku",
                 "commerce.add_product", "commerce.add_sku"],
    ADMIN: ["*"],
}

STAFF_ROLES = [r for r in PERMISSIONS if r != CUSTOMER]
# Roles that may open the Django admin back office (is_staff); agents use the workbench. The warehouse
# has its receiving screen in the workbench and edits outbound shipments in the admin.
ADMIN_SITE_ROLES = {SUPERVISOR, CARE_TEAM, OPERATIONS, WAREHOUSE, ADMIN}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_roles() -> dict[str, Group]:
    """Create or update every role group with exactly its permissions. Safe to run any number of times."""
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0)
    groups = {}
    for role, perms in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = list(Permission.objects.all()) if perms == ["*"] else [_permission(p) for p in perms]
        group.permissions.set(wanted)
        groups[role] = group
    return groups


def on_post_migrate(**_kwargs) -> None:
    ensure_roles()


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.groups.values_list("name", flat=True))


def grant(user, role: str) -> None:
    if role not in PERMISSIONS:
        raise ValueError(f"unknown role: {role}")
    user.groups.add(Group.objects.get(name=role))
    if role in ADMIN_SITE_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
