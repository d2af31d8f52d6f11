from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("", views.search, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/timeline/", views.order_timeline, name="order_timeline"),
]
