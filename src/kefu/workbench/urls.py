from django.urls import path

from . import (
    urls_chat,
    urls_handover,
    urls_reports,
    urls_tickets,
    urls_wallboard,
    urls_wfm,
    views,
    views_cases,
    views_compliance,
    views_warehouse,
)

app_name = "workbench"
urlpatterns = [
    path("", views.search, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/timeline/", views.order_timeline, name="order_timeline"),
    path("cases/", views_cases.case_queue, name="cases"),
    path("cases/<str:number>/", views_cases.case_detail, name="case_detail"),
    path("cases/<str:number>/evidence/<int:evidence_id>/", views_cases.case_evidence, name="case_evidence"),
    path("warehouse/", views_warehouse.desk, name="warehouse"),
    path("warehouse/<str:number>/", views_warehouse.warehouse_case, name="warehouse_case"),
    path("compliance/", views_compliance.compliance, name="compliance"),
    *urls_tickets.urlpatterns,
    *urls_handover.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_wfm.urlpatterns,
    *urls_wallboard.urlpatterns,
    *urls_chat.urlpatterns,
]
