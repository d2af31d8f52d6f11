"""Websocket routes of live chat."""

websocket_urlpatterns: list = []
