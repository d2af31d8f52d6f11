"""Websocket routes of every app, in one list for asgi.py."""

from kefu.portal.routing import websocket_urlpatterns as portal_ws

websocket_urlpatterns = [*portal_ws]
