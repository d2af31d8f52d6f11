"""The ticket's status and its handling flow (pure; no database).

Status (what the queue and the SLA clocks care about; each status has a category, as in Frappe Helpdesk,
so the SLA logic reads the category and never a list of statuses):

    new ─┬─> open ─┬─> waiting_customer ─> open         (waiting on the customer pauses the clocks)
         │         ├─> resolved ─┬─> open               (the customer writes again, or a low survey score)
         │         │             └─> closed             (the follow-up visit is over)
         └─────────┴─> merged                            (folded into another ticket)

Handling flow (the steps of seed 001, recorded on the ticket):

    received ─> analysed ─> acknowledged ─> proposed ─┬─> accepted
                                                ^     └─> refused ─> proposed (a new proposal)

A ticket resolves only from `accepted`, or from `refused` with the refusal written down (ISO 10002: record
the refusal and point to other routes); `resolvable` is that rule.
"""

from kefu.core.states import StateMachine

NEW = "new"
OPEN = "open"
WAITING_CUSTOMER = "waiting_customer"
RESOLVED = "resolved"
CLOSED = "closed"
MERGED = "merged"

TICKET = StateMachine("ticket", {
    NEW: {OPEN, WAITING_CUSTOMER, RESOLVED, MERGED},
    OPEN: {WAITING_CUSTOMER, RESOLVED, MERGED},
    WAITING_CUSTOMER: {OPEN, RESOLVED, MERGED},
    RESOLVED: {OPEN, CLOSED},
    CLOSED: set(),
    MERGED: set(),
})

ACTIVE, PAUSED, DONE = "active", "paused", "done"
CATEGORY = {NEW: ACTIVE, OPEN: ACTIVE, WAITING_CUSTOMER: PAUSED, RESOLVED: DONE, CLOSED: DONE, MERGED: DONE}
OPEN_STATUSES = frozenset(s for s, c in CATEGORY.items() if c != DONE)

RECEIVED = "received"
ANALYSED = "analysed"
ACKNOWLEDGED = "acknowledged"
PROPOSED = "proposed"
ACCEPTED = "accepted"
REFUSED = "refused"

FLOW = StateMachine("handling flow", {
    RECEIVED: {ANALYSED},
    ANALYSED: {ACKNOWLEDGED},
    ACKNOWLEDGED: {PROPOSED},
    PROPOSED: {ACCEPTED, REFUSED, PROPOSED},
    REFUSED: {PROPOSED},
    ACCEPTED: set(),
})
FLOW_ORDER = (RECEIVED, ANALYSED, ACKNOWLEDGED, PROPOSED, ACCEPTED)


def resolvable(flow: str, refusal_reason: str) -> bool:
    """May a ticket at this flow step be resolved? Only with an accepted solution or a recorded refusal."""
    return flow == ACCEPTED or (flow == REFUSED and bool(refusal_reason.strip()))
