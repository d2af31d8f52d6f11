"""Routes of the agent's live-chat console: the page, and the colleagues a chat can be passed to."""

from django.urls import path

from . import views_chat

urlpatterns = [
    path("chat/", views_chat.console, name="chat"),
    path("chat/colleagues/", views_chat.colleagues, name="chat_colleagues"),
]
