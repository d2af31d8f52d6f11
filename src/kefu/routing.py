"""Websocket routes of every app, in one list for asgi.py."""

from kefu.chat.routing import websocket_urlpatterns as chat_ws
from kefu.portal.routing import websocket_urlpatterns as portal_ws

websocket_urlpatterns = [*portal_ws, *chat_ws]
