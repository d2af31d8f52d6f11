"""Portal pages of the complaint centre: my complaints, a new one, one complaint with its conversation, the
customer's notices, and the follow-up survey (reached by its token, signed in or not)."""

from django.urls import path

from . import views_tickets as views

urlpatterns = [
    path("complaints/", views.ticket_list, name="tickets"),
    path("complaints/new/", views.ticket_new, name="ticket_new"),
    path("complaints/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("complaints/<str:number>/messages/", views.ticket_message, name="ticket_message"),
    path("complaints/<str:number>/answer/", views.ticket_answer, name="ticket_answer"),
    path("notices/", views.notice_list, name="notices"),
    path("survey/<str:token>/", views.survey, name="survey"),
]
