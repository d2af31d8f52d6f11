"""Live order pages: the browser listens on ws/orders/<number>/ and refetches the timeline on a change."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from kefu.commerce.models import Order
from kefu.commerce.subscribers import order_group
from kefu.core import roles


def may_watch(user, number: str) -> bool:
    """The order's own customer, or staff allowed to use the workbench."""
    if user is None or not user.is_authenticated:
        return False
    owner = Order.objects.filter(number=number).values_list("customer__user_id", flat=True).first()
    if owner is None:
        return False
    return owner == user.pk or user.has_perm(roles.WORKBENCH)


class OrderConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        self.number = self.scope["url_route"]["kwargs"]["number"]
        if not await database_sync_to_async(may_watch)(self.scope.get("user"), self.number):
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.group = order_group(self.number)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """The browser only listens; anything it sends is ignored."""

    async def order_changed(self, message):
        """From kefu.commerce.subscribers.push_to_order_watchers: tell the page to refetch."""
        await self.send_json({"type": "order.changed", "order": self.number,
                              "topic": message.get("topic", "")})
