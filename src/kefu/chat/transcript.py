"""A chat as plain text, for the ticket it becomes (a message left, or a ticket an agent opens from it)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ChatMessage, Conversation, Party

LIMIT = 19_000  # under the ticket body's 20,000 characters, with room for the header
SUBJECT_LIMIT = 60


def _line(message: ChatMessage, names: dict[str, str]) -> str:
    at = timezone.localtime(message.sent_at).strftime("%Y-%m-%d %H:%M:%S")
    who = names.get(message.author_kind, "")
    if message.author_kind == Party.AGENT and message.author is not None:
        who = f"{who} {message.author.get_full_name() or message.author.get_username()}"
    if message.author_kind == Party.CUSTOMER and message.author is not None:
        customer = getattr(message.author, "customer", None)
        who = f"{who} {customer.name}" if customer else who
    text = message.body
    if message.image:
        text = f"[{_('image')} #{message.pk}] {text}".rstrip()
    return f"[{at}] {who}: {text}"


def render(conversation: Conversation) -> str:
    """The whole conversation, oldest first; the oldest lines are dropped (and it says so) past the limit."""
    with translation.override(settings.LANGUAGE_CODE):
        names = {party.value: str(party.label) for party in Party}
        rows = (ChatMessage.objects.filter(conversation=conversation)
                .select_related("author__customer").order_by("id"))
        lines = [_line(m, names) for m in rows]
        header = _("Transcript of chat %(number)s") % {"number": conversation.number}
        kept, size = [], 0
        for line in reversed(lines):
            if size + len(line) + 1 > LIMIT:
                kept.append(_("(earlier messages left out; the whole chat is %(number)s)")
                            % {"number": conversation.number})
                break
            kept.append(line)
            size += len(line) + 1
        return "\n".join([header, *reversed(kept)])


def subject(conversation: Conversation) -> str:
    """The customer's first words, as the ticket's subject."""
    first = (ChatMessage.objects.filter(conversation=conversation, author_kind=Party.CUSTOMER)
             .exclude(body="").order_by("id").values_list("body", flat=True).first()) or conversation.number
    line = " ".join(first.split())
    return line if len(line) <= SUBJECT_LIMIT else line[:SUBJECT_LIMIT - 1] + "…"
