"""Route of the agent's live-chat console."""

from django.urls import path

from . import views_chat

urlpatterns = [
    path("chat/", views_chat.console, name="chat"),
]
