"""Workbench pages: the shift handover (交接)."""

from django.urls import path

from . import views_handover

urlpatterns: list = [
    path("handover/", views_handover.handover, name="handover"),
    path("handover/<int:pk>/", views_handover.handover_detail, name="handover_detail"),
]
