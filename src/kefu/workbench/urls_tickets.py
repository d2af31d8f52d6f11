"""Workbench pages: the agents' ticket queue, one ticket, and one POST URL per action on it."""

from django.urls import path

from . import views_ticket_actions as actions
from . import views_ticket_new
from . import views_tickets as views

urlpatterns = [
    path("tickets/", views.ticket_queue, name="tickets"),
    path("tickets/new/", views_ticket_new.ticket_new, name="ticket_new"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/canned/<int:reply_id>/", views.ticket_canned, name="ticket_canned"),
    path("tickets/<str:number>/coach/", views.ticket_coach, name="ticket_coach"),
    path("tickets/<str:number>/reply/", actions.reply, name="ticket_reply"),
    path("tickets/<str:number>/note/", actions.note, name="ticket_note"),
    path("tickets/<str:number>/flow/<str:step>/", actions.flow_step, name="ticket_flow"),
    path("tickets/<str:number>/resolve/", actions.resolve, name="ticket_resolve"),
    path("tickets/<str:number>/assign/", actions.assign, name="ticket_assign"),
    path("tickets/<str:number>/escalate/", actions.escalate, name="ticket_escalate"),
    path("tickets/<str:number>/merge/", actions.merge, name="ticket_merge"),
    path("tickets/<str:number>/split/", actions.split, name="ticket_split"),
    path("tickets/<str:number>/reopen/", actions.reopen, name="ticket_reopen"),
]
