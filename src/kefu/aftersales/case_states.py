"""The after-sales case and refund state machines (pure; no database).

Case (in the spirit of OCA rma, Saleor and Solidus; issue 3 §2):

    requested ─┬─> approved ─┬─> awaiting_return ─> in_transit ─> received ─> inspecting ─┬─> accepted
               │             │        └───────────────(no tracking given)──┘              ├─> partly_accepted
               └─> declined  ├─> refunding   (nothing travels back: refund_missing,       └─> rejected
                    │        │                 refund_difference, partial_refund_offer)
                    v        └─> reshipping  (missing item: no return)
                  closed
    accepted / partly_accepted ─> refunding | reshipping (exchange) | repairing | closed
    refunding ─> reshipping | closed        reshipping ─> refunding | closed
    repairing ─> refunding | closed         rejected ─> closed
    requested / approved / awaiting_return ─> cancelled   (by the buyer, before the parcel leaves)

- awaiting_return → received directly: the warehouse may receive a parcel by case number although the
  buyer never typed the tracking number in (it happens; refusing the parcel would help nobody).
- "refunding and/or reshipping": an exchange whose return postage the seller pays goes through both, in
  either order; the services guard against doing either twice.
- Urgent replacement before return [seed 001]: not a state. `replacement_sent_at` on the case is set by
  `send_replacement` while the case is approved / awaiting_return / in_transit and marked urgent; the
  return continues through its own states, and after inspection the exchange needs no second reship.
- Escalation is a flag with an audit record, not a state: any open case can be escalated.

Refund (one ledger row): pending ─> sent ─> confirmed, and pending | sent ─> failed (the payment side's
answer). A failed refund is re-requested as a new row with a new idempotency key.
"""

from kefu.core.states import StateMachine

REQUESTED = "requested"
APPROVED = "approved"
DECLINED = "declined"
CANCELLED = "cancelled"
AWAITING_RETURN = "awaiting_return"
IN_TRANSIT = "in_transit"
RECEIVED = "received"
INSPECTING = "inspecting"
ACCEPTED = "accepted"
PARTLY_ACCEPTED = "partly_accepted"
REJECTED = "rejected"
REFUNDING = "refunding"
RESHIPPING = "reshipping"
REPAIRING = "repairing"
CLOSED = "closed"

CASE = StateMachine("after-sales case", {
    REQUESTED: {APPROVED, DECLINED, CANCELLED},
    APPROVED: {AWAITING_RETURN, REFUNDING, RESHIPPING, CANCELLED},
    AWAITING_RETURN: {IN_TRANSIT, RECEIVED, CANCELLED},
    IN_TRANSIT: {RECEIVED},
    RECEIVED: {INSPECTING},
    INSPECTING: {ACCEPTED, PARTLY_ACCEPTED, REJECTED},
    ACCEPTED: {REFUNDING, RESHIPPING, REPAIRING, CLOSED},
    PARTLY_ACCEPTED: {REFUNDING, RESHIPPING, REPAIRING, CLOSED},
    REJECTED: {CLOSED},
    REFUNDING: {RESHIPPING, CLOSED},
    RESHIPPING: {REFUNDING, CLOSED},
    REPAIRING: {REFUNDING, CLOSED},
    DECLINED: {CLOSED},
    CLOSED: set(),
    CANCELLED: set(),
})

# Labels in the order a timeline shows them.
CASE_STATES = [REQUESTED, APPROVED, DECLINED, CANCELLED, AWAITING_RETURN, IN_TRANSIT, RECEIVED, INSPECTING,
               ACCEPTED, PARTLY_ACCEPTED, REJECTED, REFUNDING, RESHIPPING, REPAIRING, CLOSED]
TERMINAL = frozenset({CLOSED, CANCELLED})
# The buyer may still change their mind until the parcel is on its way back.
CANCELLABLE_BY_CUSTOMER = frozenset({REQUESTED, APPROVED, AWAITING_RETURN})
# An urgent customer may get the replacement while the original is still on its way [seed 001].
EARLY_REPLACEMENT_STATES = frozenset({APPROVED, AWAITING_RETURN, IN_TRANSIT})
# Inspection outcomes.
DECIDED = frozenset({ACCEPTED, PARTLY_ACCEPTED, REJECTED})

PENDING = "pending"
SENT = "sent"
CONFIRMED = "confirmed"
FAILED = "failed"

REFUND = StateMachine("refund", {
    PENDING: {SENT, FAILED},
    SENT: {CONFIRMED, FAILED},
    CONFIRMED: set(),
    FAILED: set(),
})
REFUND_STATES = [PENDING, SENT, CONFIRMED, FAILED]
