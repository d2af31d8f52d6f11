"""Workbench pages: the supervisors' reports."""

from django.urls import path

from . import views_reports

urlpatterns = [
    path("reports/tickets/", views_reports.ticket_report_page, name="ticket_report"),
]
