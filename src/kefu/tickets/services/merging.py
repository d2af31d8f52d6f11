"""Merge a duplicate into the ticket that carries on; split messages off into a ticket of their own."""

from __future__ import annotations

from django.db import transaction

from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, InvalidTransition

from .. import ticket_states as st
from ..models import Author, Channel, Ticket, TicketMessage
from ._common import lock, move, payload, text
from .intake import open_ticket


@transaction.atomic
def merge(source, into, *, by, reason: str = "") -> Ticket:
    """Fold `source` into `into`: its messages move over and it ends as merged, pointing at the survivor."""
    if (source.pk if isinstance(source, Ticket) else source) == (into.pk if isinstance(into, Ticket) else into):
        raise DomainError("a ticket cannot be merged into itself", field="into")
    first, second = sorted([source.pk, into.pk])  # lock in id order: two opposite merges cannot deadlock
    locked = {t.pk: t for t in (lock(first), lock(second))}
    source, into = locked[source.pk], locked[into.pk]
    if not into.is_open:
        raise InvalidTransition(f"cannot merge into a {into.status} ticket", field="into")
    if source.customer_id and into.customer_id and source.customer_id != into.customer_id:
        raise DomainError("the tickets belong to different customers", field="into", code="other_customer")
    now = clock.now()
    moved = TicketMessage.objects.filter(ticket=source).update(ticket=into)
    TicketMessage.objects.create(ticket=into, author_kind=Author.SYSTEM, author=None, internal=True,
                                 channel=Channel.AGENT, created_at=now,
                                 body=f"{source.number} 已合并到本工单（{moved} 条消息）{reason}")
    source.merged_into = into
    source.save(update_fields=["merged_into"])
    move(source, st.MERGED, by=by, reason=reason or f"merged into {into.number}", at=now)
    fields = ["updated_at"]
    into.updated_at = now
    for name in ("order_id", "case_id"):
        if getattr(into, name) is None and getattr(source, name) is not None:
            setattr(into, name, getattr(source, name))
            fields.append(name)
    into.save(update_fields=fields)
    audit.field_changed(into, "merged", "", source.number, actor=by, reason=reason)
    events.emit("ticket.merged", payload(into, merged=source.number, merged_id=source.pk, at=now.isoformat()))
    return into


@transaction.atomic
def split(ticket, message_ids: list[int], *, subject: str, by) -> Ticket:
    """Move some of a ticket's messages to a new ticket of the same customer (a second problem)."""
    ticket = lock(ticket)
    if not ticket.is_open:
        raise InvalidTransition(f"a {ticket.status} ticket cannot be split", field="status")
    chosen = list(TicketMessage.objects.filter(ticket=ticket, pk__in=message_ids, internal=False)
                  .order_by("created_at", "id"))
    if not chosen or len(chosen) != len(set(message_ids)):
        raise DomainError("choose messages of this ticket to split off", field="messages")
    if len(chosen) == ticket.messages.filter(internal=False).count():
        raise DomainError("leave at least one message on the ticket", field="messages")
    subject = text(subject, "subject", limit=120)
    new = open_ticket(channel=ticket.channel, subject=subject, body=chosen[0].body, customer=ticket.customer,
                      order=ticket.order, case=ticket.case, kind=ticket.kind, severity=ticket.severity,
                      skill=ticket.queue.skill or None, by=by, requester_name=ticket.requester_name,
                      requester_email=ticket.requester_email, parent=ticket)
    new.messages.all().delete()  # the moved messages carry the original words and times
    TicketMessage.objects.filter(pk__in=[m.pk for m in chosen]).update(ticket=new)
    now = clock.now()
    TicketMessage.objects.create(ticket=ticket, author_kind=Author.SYSTEM, internal=True, channel=Channel.AGENT,
                                 created_at=now, body=f"{len(chosen)} 条消息已拆分到新工单 {new.number}")
    audit.field_changed(ticket, "split", "", new.number, actor=by)
    events.emit("ticket.split", payload(ticket, new=new.number, new_id=new.pk, at=now.isoformat()))
    return new
