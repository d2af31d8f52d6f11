"""Routes filled by the contact-centre pages: the supervisors' wallboard and the two parts its page polls."""

from django.urls import path

from . import views_wallboard

urlpatterns = [
    path("wallboard/", views_wallboard.wallboard, name="wallboard"),
    path("wallboard/live/", views_wallboard.wallboard_live, name="wallboard_live"),
    path("wallboard/intervals/", views_wallboard.wallboard_intervals, name="wallboard_intervals"),
]
