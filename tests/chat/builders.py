"""Scenes for the chat tests: agents with skills and the chat permission, logged in to the queue; customers; a
chat started and routed through the real services; a fixed clock (Monday 10:00 in Shanghai)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from kefu.chat.services import agents, conversations
from kefu.commerce.models import Customer
from kefu.contact.models import AgentPresence, AgentProfile
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def grant_chat(user, *codenames: str):
    """The chat permissions (the roles will carry them: until then tests grant them directly)."""
    for codename in codenames or ("handle_conversation",):
        user.user_permissions.add(Permission.objects.get(content_type__app_label="chat", codename=codename))
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


def agent(staff_user, username: str, *, skills=("presale", "aftersale"), senior=False, capacity=3,
          role="aftersale_agent", login=True):
    """An agent with a profile and the chat permission; logged in to the queue (available) unless login=False."""
    user = grant_chat(staff_user(role, username))
    AgentProfile.objects.create(user=user, skills=list(skills), senior=senior)
    AgentPresence.objects.get_or_create(user=user, defaults={"since": _now(), "chat_capacity": capacity})
    AgentPresence.objects.filter(user=user).update(chat_capacity=capacity)
    if login:
        agents.set_state(user, "available")
    return user


def supervisor(staff_user, username: str = "zhuguan"):
    return grant_chat(staff_user("supervisor", username), "handle_conversation", "supervise_chat")


def _now():
    from kefu.core import clock

    return clock.now()


def customer(name: str = "张伟", *, tier: str = "registered"):
    c = f.customer(name=name)
    if tier != "registered":
        Customer.objects.filter(pk=c.pk).update(tier=tier)
        c.refresh_from_db()
    return c


def chat(customer_obj, *, skill: str = "aftersale", body: str = "我的订单三天没动了"):
    conversation, _created = conversations.start(customer_obj.user, skill, body=body)
    return conversation


def presence(user) -> AgentPresence:
    return AgentPresence.objects.get(user=user)
