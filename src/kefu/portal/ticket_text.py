"""Complaints in the customer's words: statuses, the handling steps, who wrote what, the outcome, service errors.

Nothing here decides anything; the ticket services do. This module only puts customer-facing labels on the
codes they keep (the agents' labels on the model are for the workbench), and says in the customer's language
what the services' English error messages mean.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kefu.core.errors import DomainError, InvalidTransition
from kefu.tickets import ticket_states as st
from kefu.tickets.models import Author, Kind, Ticket, Visit

STATUS_WORDS = {
    st.NEW: pgettext_lazy("complaint status", "Received, waiting for an agent"),
    st.OPEN: pgettext_lazy("complaint status", "Being handled"),
    st.WAITING_CUSTOMER: pgettext_lazy("complaint status", "Waiting for your reply"),
    st.RESOLVED: pgettext_lazy("complaint status", "Resolved"),
    st.CLOSED: pgettext_lazy("complaint status", "Closed"),
    st.MERGED: pgettext_lazy("complaint status", "Merged into another complaint"),
}
# The status badge's tone: in progress (info), the customer's turn (warn), done (ok), folded away (plain).
STATUS_BADGE = {st.NEW: "badge--role", st.OPEN: "badge--role", st.WAITING_CUSTOMER: "badge--warn",
                st.RESOLVED: "badge--ok", st.CLOSED: "badge--ok", st.MERGED: ""}

KIND_WORDS = {
    Kind.COMPLAINT: pgettext_lazy("complaint kind", "Complaint"),
    Kind.QUESTION: pgettext_lazy("complaint kind", "Question"),
    Kind.REQUEST: pgettext_lazy("complaint kind", "Request"),
    Kind.CARE_TASK: pgettext_lazy("complaint kind", "Customer care"),
}

# The handling steps of seed 001, as the customer follows them.
STEP_WORDS = {
    st.RECEIVED: pgettext_lazy("complaint step", "Received"),
    st.ANALYSED: pgettext_lazy("complaint step", "Looked into"),
    st.ACKNOWLEDGED: pgettext_lazy("complaint step", "Your position understood"),
    st.PROPOSED: pgettext_lazy("complaint step", "Solution proposed"),
    st.ACCEPTED: pgettext_lazy("complaint step", "Solution agreed"),
}

# The overall score of the follow-up survey: value, face, words. Faces from the first emoji block, which the
# common CJK fonts also draw (🙁 and 🙂 come later and show as boxes without a colour-emoji font).
CSAT_FACES = (
    (1, "😞", gettext_lazy("Very dissatisfied")),
    (2, "😟", gettext_lazy("Dissatisfied")),
    (3, "😐", gettext_lazy("Neither satisfied nor dissatisfied")),
    (4, "😊", gettext_lazy("Satisfied")),
    (5, "😄", gettext_lazy("Very satisfied")),
)
OPEN_VISITS = frozenset({Visit.SCHEDULED, Visit.SENT})


def status_words(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


def kind_words(kind: str) -> str:
    return str(KIND_WORDS.get(kind, kind))


def steps(ticket: Ticket) -> list[dict]:
    """The handling steps with the ones done marked; a refusal shows as the proposal step not agreed yet."""
    current = st.PROPOSED if ticket.flow == st.REFUSED else ticket.flow
    reached = st.FLOW_ORDER.index(current)
    return [{"code": code, "label": str(STEP_WORDS[code]), "done": i <= reached, "current": i == reached}
            for i, code in enumerate(st.FLOW_ORDER)]


def outcome(ticket: Ticket) -> dict | None:
    """What the complaint came to, once it is resolved or closed: the agreed solution, or why not."""
    if ticket.status not in (st.RESOLVED, st.CLOSED):
        return None
    if ticket.flow == st.REFUSED:
        return {"agreed": False, "solution": ticket.solution, "reason": ticket.refusal_reason}
    return {"agreed": True, "solution": ticket.solution, "reason": ""}


def conversation(messages) -> list[dict]:
    """Public messages only, each with who wrote it in the customer's words (agents stay anonymous)."""
    rows = []
    for message in messages:
        if message.internal or message.author_kind == Author.SYSTEM:
            continue  # notes for colleagues and the system's own records are never the customer's to read
        mine = message.author_kind == Author.CUSTOMER
        rows.append({"message": message, "mine": mine, "who": _("You") if mine else _("Customer service")})
    return rows


def csat_words(score: int | None) -> str:
    return next((f"{face} {words}" for value, face, words in CSAT_FACES if value == score), "")


def error_message(exc: DomainError, *, action: str = "") -> str:
    """A ticket service's error in the customer's language."""
    if exc.code == "required":
        return _("Please fill this in.")
    if exc.code == "too_long":
        return _("This is too long; please shorten it.")
    if exc.code == "not_yours":
        return _("Choose one of your own orders or after-sales cases.")
    if exc.code == "already_answered":
        return _("You have already answered this survey. Thank you!")
    if exc.code == "expired":
        return _("This survey has closed.")
    if isinstance(exc, InvalidTransition):
        if action == "write":
            return _("This complaint is closed and takes no more messages; please open a new complaint.")
        if action == "answer":
            return _("No solution is waiting for your answer any more.")
        return _("This complaint has moved on in the meantime; please look at it again.")
    if (exc.field or "").startswith(("csat", "answers.")):
        return _("Please choose one of the answers.")
    return _("The request could not be completed (%(detail)s).") % {"detail": exc.message}
