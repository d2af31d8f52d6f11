from django.urls import re_path

from .consumers import OrderConsumer

# Channels group names allow only ASCII letters, digits, '-', '_' and '.', so the route does too.
websocket_urlpatterns = [
    re_path(r"^ws/orders/(?P<number>[A-Za-z0-9._-]{1,64})/$", OrderConsumer.as_asgi(), name="order_ws"),
]
