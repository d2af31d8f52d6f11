"""Workbench pages: the supervisors' workforce plan."""

from django.urls import path

from . import views_wfm

urlpatterns = [
    path("wfm/", views_wfm.workforce_plan, name="wfm"),
]
