from django.urls import path

from . import urls_chat, urls_tickets, views, views_cases

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/timeline/", views.order_timeline, name="order_timeline"),
    path("orders/<str:number>/aftersales/new/", views_cases.case_new, name="case_new"),
    path("orders/<str:number>/aftersales/advice/", views_cases.case_advice, name="case_advice"),
    path("aftersales/", views_cases.case_list, name="cases"),
    path("aftersales/<str:number>/", views_cases.case_detail, name="case_detail"),
    path("aftersales/<str:number>/evidence/<int:evidence_id>/", views_cases.case_evidence, name="case_evidence"),
    path("aftersales/<str:number>/return/", views_cases.case_return, name="case_return"),
    path("aftersales/<str:number>/cancel/", views_cases.case_cancel, name="case_cancel"),
    *urls_tickets.urlpatterns,
    *urls_chat.urlpatterns,
]
