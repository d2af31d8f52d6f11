"""The customer's live-chat window: the smart assistant answers first, a person when the customer asks for one.

The page is a shell: chat_window.js talks to the websocket ws/chat/ (the protocol is at the top of
kefu/chat/consumers.py) and uploads images over HTTP. This view only decides who may open it, offers the
customer's recent orders to talk about, and hands the script its paths and every word it shows (json_script:
there is no JavaScript catalog).
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import pgettext

from kefu.chat import conf as chat_conf
from kefu.commerce.models import Order

from . import queries
from .access import customer_required

WS_PATH = "/ws/chat/"  # kefu.chat.routing
RECENT_ORDERS = 20  # offered in the order picker
ORDER_SLOT, CASE_SLOT, TICKET_SLOT, CHAT_SLOT = "__ORDER__", "__CASE__", "__TICKET__", "__CHAT__"


def window_strings() -> dict[str, str]:
    """Every word chat_window.js shows, in the request's language; `%(name)s` is filled in by the script."""
    return {
        # the connection
        "status_connecting": pgettext("chat window", "Connecting…"),
        "status_connected": pgettext("chat window", "Connected"),
        "status_reconnecting": pgettext("chat window", "Connection lost. Reconnecting…"),
        "status_offline": pgettext("chat window", "Cannot connect. Check your network; we keep trying."),
        # who is talking
        "greeting": pgettext(
            "chat window", "Hello, I am the smart assistant. Ask me about your orders, deliveries, returns or refunds. "
                           "To talk to a person, press “Talk to a person”."),
        "greeting_again": pgettext("chat window", "Anything else? Ask me, or talk to a person again."),
        "you": pgettext("chat window", "Me"),
        "assistant": pgettext("chat window", "Smart assistant"),
        "assistant_mark": pgettext("chat window", "AI"),
        "agent": pgettext("chat window", "Agent"),
        "assistant_thinking": pgettext("chat window", "The assistant is thinking…"),
        "faq": pgettext("chat window", "From our FAQ: %(question)s"),
        # the assistant's actions
        "action_view_order": pgettext("chat window", "View order %(order)s"),
        "action_cancel_order": pgettext("chat window", "Cancel order %(order)s"),
        "action_open_aftersales": pgettext("chat window", "Apply for after-sales"),
        "action_view_case": pgettext("chat window", "View after-sales case %(case)s"),
        "action_apply_price_protection": pgettext("chat window", "Apply for price protection"),
        "handoff": pgettext("chat window", "Talk to a person"),
        "handoff_busy": pgettext("chat window", "Connecting you to a person…"),
        # the waiting line
        "waiting_title": pgettext("chat window", "Waiting for an agent"),
        "queue_joining": pgettext("chat window", "Finding your place in the line…"),
        "position": pgettext("chat window", "You are number %(n)s in line"),
        "position_next": pgettext("chat window", "You are next in line"),
        "wait_minutes": pgettext("chat window", "Expected wait: about %(n)s min"),
        "wait_under_minute": pgettext("chat window", "Expected wait: under a minute"),
        "wait_unknown": pgettext("chat window", "No agent is serving this line right now."),
        "nobody_online": pgettext(
            "chat window", "No agent is online for this line right now. Leave a message and we will reply to it as a "
                           "ticket."),
        # being served
        "serving": pgettext("chat window", "%(agent)s is serving you"),
        "agent_typing": pgettext("chat window", "%(agent)s is typing…"),
        "end": pgettext("chat window", "End chat"),
        "ended_note": pgettext(
            "chat window", "The chat has ended. You can ask the assistant, or talk to a person again."),
        # a message left
        "left_title": pgettext("chat window", "Your message is ticket %(ticket)s"),
        "left_link": pgettext("chat window", "Follow ticket %(ticket)s"),
        "ticket_link": pgettext("chat window", "View ticket %(ticket)s"),
        "leave_required": pgettext("chat window", "Write your message first."),
        # writing
        "placeholder_assistant": pgettext("chat window", "Ask the smart assistant a question…"),
        "placeholder_chat": pgettext("chat window", "Write your message…"),
        "sending": pgettext("chat window", "Sending…"),
        "not_sent": pgettext("chat window", "Not sent"),
        "retry": pgettext("chat window", "Retry"),
        "read": pgettext("chat window", "Read"),
        "too_long": pgettext("chat window", "Too long: at most %(n)s characters."),
        "image_alt": pgettext("chat window", "An image sent in the chat"),
        "image_open": pgettext("chat window", "Open the image full size"),
        "image_too_big": pgettext("chat window", "The image is larger than %(n)s MB."),
        "image_type": pgettext("chat window", "Choose a JPEG, PNG or WebP image."),
        "image_failed": pgettext("chat window", "The image could not be sent: %(reason)s"),
        "error": pgettext("chat window", "That did not work: %(reason)s"),
        "error_offline": pgettext("chat window", "Not connected: it is sent when the connection is back."),
        "error_nobody_online": pgettext("chat window", "No agent is online for this line right now."),
        "error_being_served": pgettext("chat window", "An agent is serving you: write to them here."),
        "error_not_found": pgettext("chat window", "This chat is over. Start a new one if you need more help."),
        "error_not_yours": pgettext("chat window", "That order is not one of yours."),
        "error_too_long": pgettext("chat window", "The message is too long."),
        "error_required": pgettext("chat window", "Write something first."),
    }


def _own_order(customer, number: str) -> Order | None:
    number = number.strip()
    if not number or len(number) > 32 or "\x00" in number:
        return None
    return Order.objects.filter(customer=customer, number=number).prefetch_related("lines").first()


@customer_required
def chat(request):
    orders = list(queries.customer_orders(request.customer)[:RECENT_ORDERS])
    wanted = request.GET.get("order", "")
    selected, order_error = None, ""
    if wanted:
        selected = next((o for o in orders if o.number == wanted), None) or _own_order(request.customer, wanted)
        if selected is None:
            order_error = pgettext(
                "chat window", "Order %(number)s is not one of your orders. Choose one from the list, or none."
            ) % {"number": wanted[:32]}
        elif selected not in orders:
            orders.insert(0, selected)
    config = {
        "ws_path": WS_PATH,
        "csrf_token": get_token(request),
        "image_url": reverse("api:customer_image", args=[CHAT_SLOT]),
        "image_max_bytes": chat_conf.image_max_bytes(),
        "slots": {"order": ORDER_SLOT, "case": CASE_SLOT, "ticket": TICKET_SLOT, "chat": CHAT_SLOT},
        "links": {
            "order": reverse("portal:order_detail", args=[ORDER_SLOT]),
            "aftersales_new": reverse("portal:case_new", args=[ORDER_SLOT]),
            "case": reverse("portal:case_detail", args=[CASE_SLOT]),
            "ticket": reverse("portal:ticket_detail", args=[TICKET_SLOT]),
        },
        "selected_order": selected.number if selected else "",
        "strings": window_strings(),
    }
    return render(request, "portal/chat.html", {"orders": orders, "selected": selected, "order_error": order_error,
                                                "config": config})
