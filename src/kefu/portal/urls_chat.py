"""Routes of the contact-centre pages: the customer's live-chat window."""

from django.urls import path

from . import views_chat

urlpatterns: list = [
    path("chat/", views_chat.chat, name="chat"),
]
