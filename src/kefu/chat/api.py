"""Live chat over HTTP: what the websocket does not carry (history, uploads, the agent's console data)."""

from ninja import Router

router = Router(tags=["chat"])
