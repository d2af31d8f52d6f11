"""The agent's live-chat console: one page whose script (static/kefu/chat_console.js) talks to the agent socket
(ws/agent/chat/, the protocol at the top of kefu/chat/consumers.py) and, for what the socket does not carry, to the
chat API (images, the ticket from a chat, a supervisor's overview) and the ticket API's canned replies.

The page itself only hands the script what it needs as one JSON block (json_script): the socket path, the URL
patterns, the labels and the UI strings in the agent's language (there is no JavaScript catalog). Chats, queues and
presence all arrive over the socket; the colleagues a chat can be passed to come from the chat API
(GET /api/v1/agent/chat/colleagues).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache

from kefu.assistant.models import Intent
from kefu.chat.models import ChatSkill
from kefu.chat.schemas import BODY_LIMIT
from kefu.commerce.models import MembershipTier
from kefu.contact.models import AgentState
from kefu.core import roles
from kefu.tickets import placeholders
from kefu.tickets.api_support import works_tickets
from kefu.tickets.models import Kind, Severity

from .access import permission_required

TEMPLATE = "workbench/chat/console.html"
WS_PATH = "/ws/agent/chat/"  # kefu/chat/routing.py (websocket routes are not Django URLs; a test keeps them equal)
PING_SECONDS = 15  # the socket logs out a console silent for 45 s
TYPING_SECONDS = 2  # at most one typing signal per this many seconds
NOTE_LIMIT, REASON_LIMIT, SUBJECT_LIMIT = 200, 40, 120  # kefu/chat/schemas.py: ChatTransferIn, ChatEndIn, ChatTicketIn

chat_agents = permission_required(roles.CHAT)

# The smart assistant's intents as a chat's label (kefu.assistant.models.Intent names them all; a test checks that
# every intent has one here).
INTENT_LABELS = {
    Intent.ORDER_STATUS: pgettext_lazy("intent", "Where is my order"),
    Intent.DELIVERY_TIME: pgettext_lazy("intent", "Delivery time in general"),
    Intent.PRODUCT_MISMATCH: pgettext_lazy("intent", "Not as described, wrong or missing item"),
    Intent.QUALITY_REPAIR: pgettext_lazy("intent", "Quality fault and repair"),
    Intent.PAYMENT: pgettext_lazy("intent", "Payment"),
    Intent.INVOICE: pgettext_lazy("intent", "Invoice"),
    Intent.RESTOCK: pgettext_lazy("intent", "Out of stock, pre-sale"),
    Intent.PRICE_PROTECTION: pgettext_lazy("intent", "Price protection"),
    Intent.CANCEL_ORDER: pgettext_lazy("intent", "Cancel or change an order"),
    Intent.INSTALLATION: pgettext_lazy("intent", "Installation"),
    Intent.AUTHENTICITY_WARRANTY: pgettext_lazy("intent", "Authenticity and warranty"),
    Intent.COD: pgettext_lazy("intent", "Cash on delivery"),
    Intent.RETURN_EXCHANGE: pgettext_lazy("intent", "Return or exchange"),
    Intent.REFUND_STATUS: pgettext_lazy("intent", "Refund and after-sales progress"),
    Intent.COMPLAINT: pgettext_lazy("intent", "Complaint"),
    Intent.HUMAN_AGENT: pgettext_lazy("intent", "Asks for a person"),
    Intent.LOGISTICS_PROBLEM: pgettext_lazy("intent", "Delivery problem"),
    Intent.PRODUCT_QUESTION: pgettext_lazy("intent", "Pre-sale product question"),
    Intent.OTHER: pgettext_lazy("intent", "Other"),
}

PRESENCE_LABELS = {
    AgentState.AVAILABLE: pgettext_lazy("chat presence", "Online"),
    AgentState.BUSY: pgettext_lazy("chat presence", "Busy (chats full)"),
    AgentState.ACW: pgettext_lazy("chat presence", "After-contact work"),
    AgentState.AWAY: pgettext_lazy("chat presence", "On a break"),
    AgentState.OFFLINE: pgettext_lazy("chat presence", "Offline"),
}


# What the script writes on the page (its %(name)s placeholders are filled in there).
STRINGS = {
    # the connection
    "connecting": pgettext_lazy("chat console", "Connecting…"),
    "connected": pgettext_lazy("chat console", "Connected"),
    "reconnecting": pgettext_lazy("chat console", "Connection lost. Reconnecting in %(seconds)s s…"),
    "refused": pgettext_lazy("chat console", "The console could not connect. Reload the page, or sign in again."),
    "reconnected": pgettext_lazy("chat console", "Connected again: the chats are up to date."),
    # presence
    "load": pgettext_lazy("chat console", "%(active)s of %(capacity)s chats"),
    "acw_left": pgettext_lazy("chat console", "After-contact work: %(seconds)s s left"),
    "confirm_offline": pgettext_lazy(
        "chat console", "Your %(count)s open chats will go back to the line. Press Log out again to confirm."),
    "presence_now": pgettext_lazy("chat console", "You are now: %(state)s"),
    # the queues
    "waiting_count": pgettext_lazy("chat console", "Waiting"),
    "longest_wait": pgettext_lazy("chat console", "Longest wait"),
    "serving_agents": pgettext_lazy("chat console", "Agents"),
    "free_slots": pgettext_lazy("chat console", "Free places"),
    "diamond_waiting": pgettext_lazy("chat console", "Diamond"),
    "nobody_waiting": pgettext_lazy("chat console", "Nobody is waiting."),
    "place": pgettext_lazy("chat console", "No. %(position)s"),
    "agents_title": pgettext_lazy("chat console", "Agents now"),
    "no_agents": pgettext_lazy("chat console", "Nobody is logged in to the queue."),
    # the chat list
    "no_chats": pgettext_lazy("chat console", "No open chats. Go online to take chats."),
    "ended": pgettext_lazy("chat console", "Ended"),
    "close_chat": pgettext_lazy("chat console", "Close"),
    "unread": pgettext_lazy("chat console", "%(count)s unread"),
    "image": pgettext_lazy("chat console", "[image]"),
    # the open chat
    "pick_chat": pgettext_lazy("chat console", "Choose a chat on the left to answer it."),
    "assistant": pgettext_lazy("chat console", "Smart assistant"),
    "customer": pgettext_lazy("chat console", "Customer"),
    "me": pgettext_lazy("chat console", "Me"),
    "read": pgettext_lazy("chat console", "Read"),
    "sending": pgettext_lazy("chat console", "Sending…"),
    "failed": pgettext_lazy("chat console", "Not sent. Retry"),
    "typing": pgettext_lazy("chat console", "The customer is typing…"),
    "uploading": pgettext_lazy("chat console", "Uploading the image…"),
    "order": pgettext_lazy("chat console", "Order %(number)s"),
    "ticket": pgettext_lazy("chat console", "Ticket %(number)s"),
    "chat_ended": pgettext_lazy(
        "chat console", "This chat has ended. Open a ticket for anything left to do, or close it."),
    "queue_label": pgettext_lazy("chat console", "%(skill)s line"),
    # notifications
    "new_chat": pgettext_lazy("chat console", "New chat: %(customer)s"),
    "new_chat_transfer": pgettext_lazy("chat console", "A colleague passed you a chat: %(customer)s"),
    "new_message": pgettext_lazy("chat console", "%(customer)s wrote"),
    "open_chat": pgettext_lazy("chat console", "Open"),
    "left_to_agent": pgettext_lazy("chat console", "Chat %(number)s was passed to %(agent)s."),
    "left_to_queue": pgettext_lazy("chat console", "Chat %(number)s went back to the line."),
    "ended_by_customer": pgettext_lazy("chat console", "%(customer)s left the chat."),
    "ended_notice": pgettext_lazy("chat console", "Chat %(number)s has ended."),
    "ticket_opened": pgettext_lazy("chat console", "Ticket %(ticket)s was opened from chat %(number)s."),
    # the transfer dialog
    "no_colleagues": pgettext_lazy(
        "chat console", "No colleague is online with room for a chat: pass it back to a line instead."),
    "colleague_option": pgettext_lazy("chat console", "%(name)s (%(active)s of %(capacity)s chats)"),
    "colleague_unavailable": pgettext_lazy("chat console", "%(name)s (%(state)s)"),
    "choose_target": pgettext_lazy("chat console", "Choose a colleague or a line."),
    # errors, by the socket's and the API's codes (anything else shows the server's own words)
    "error": pgettext_lazy("chat console", "Something went wrong: %(message)s"),
    "error_not_your_chat": pgettext_lazy("chat console", "This chat is served by another agent."),
    "error_agent_unavailable": pgettext_lazy("chat console", "That colleague cannot take a chat now."),
    "error_same_agent": pgettext_lazy("chat console", "The chat is already theirs."),
    "error_nobody_online": pgettext_lazy("chat console", "Nobody serves that line now: open a ticket instead."),
    "error_invalid_transition": pgettext_lazy("chat console", "This chat has ended: it takes no more messages."),
    "error_not_found": pgettext_lazy("chat console", "This chat no longer exists."),
    "error_too_large": pgettext_lazy("chat console", "The image is too large (at most 5 MB)."),
    "error_bad_type": pgettext_lazy("chat console", "Only JPEG, PNG or WebP images can be sent."),
    "error_required": pgettext_lazy("chat console", "Write something first."),
    "error_network": pgettext_lazy("chat console", "The server could not be reached. Try again."),
}


def _url(name: str, *args, holder: str = "{number}") -> str:
    """A URL pattern for the script: the path with `holder` where the argument goes."""
    if not args:
        return reverse(name)
    return reverse(name, args=args).replace(str(args[0]), holder)


def console_config(user) -> dict:
    """Everything the console's script needs besides the socket: paths, labels and words."""
    supervisor = user.has_perm(roles.SUPERVISE_CHAT)
    sample_id = 987654321  # replaced by {id}: reverse() needs a real integer
    urls = {
        "conversation": _url("api:agent_chat", "C0SAMPLE0"),
        "images": _url("api:agent_image", "C0SAMPLE0"),
        "ticket_api": _url("api:ticket_from_chat", "C0SAMPLE0"),
        "colleagues": reverse("api:chat_colleagues"),
        "overview": reverse("api:overview") if supervisor else None,
        "canned": reverse("api:canned_replies") if works_tickets(user) else None,
        "order_page": _url("workbench:order_detail", "C0SAMPLE0"),
        "customer_page": _url("workbench:customer", sample_id, holder="{id}"),
        "ticket_page": _url("workbench:ticket_detail", "C0SAMPLE0"),
    }
    return {
        "ws_path": WS_PATH,
        "ping_seconds": PING_SECONDS,
        "typing_seconds": TYPING_SECONDS,
        "me": {"id": user.pk, "name": user.get_full_name() or user.get_username()},
        "supervisor": supervisor,
        "urls": urls,
        "limits": {"body": BODY_LIMIT, "note": NOTE_LIMIT, "reason": REASON_LIMIT, "subject": SUBJECT_LIMIT},
        "intents": {str(code): str(label) for code, label in INTENT_LABELS.items()},
        "presence": {str(code): str(label) for code, label in PRESENCE_LABELS.items()},
        "tiers": {code: str(label) for code, label in MembershipTier.choices},
        "skills": {code: str(label) for code, label in ChatSkill.choices},
        # The canned replies come with their placeholders filled for no ticket: the gaps the open chat can fill.
        "canned_gaps": {name: placeholders.render("{" + name + "}", {}) for name in ("customer_name", "order_number")},
        "strings": {key: str(text) for key, text in STRINGS.items()},
    }


@never_cache
@chat_agents
def console(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, {
        "config": console_config(request.user),
        "ticket_kinds": [(k, label) for k, label in Kind.choices if k != Kind.CARE_TASK],
        "severities": Severity.choices,
        "skills": ChatSkill.choices,
        "limits": {"note": NOTE_LIMIT, "reason": REASON_LIMIT, "subject": SUBJECT_LIMIT, "body": BODY_LIMIT},
    })
