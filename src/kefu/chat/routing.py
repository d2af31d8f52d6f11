"""Websocket routes of live chat (the protocol is written at the top of consumers.py)."""

from django.urls import re_path

from .consumers import AgentChatConsumer, CustomerChatConsumer

websocket_urlpatterns = [
    re_path(r"^ws/chat/$", CustomerChatConsumer.as_asgi(), name="chat_ws"),
    re_path(r"^ws/agent/chat/$", AgentChatConsumer.as_asgi(), name="agent_chat_ws"),
]
