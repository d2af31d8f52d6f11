"""Commerce subscribers: push order changes to the pages that watch them (websocket groups)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kefu.core.events import subscriber


def order_group(number: str) -> str:
    return f"order.{number}"


@subscriber("order.status_changed")
@subscriber("shipment.tracking_event_added")
def push_to_order_watchers(event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(order_group(event.payload["order"]),
                                    {"type": "order.changed", "topic": event.topic, "payload": event.payload})
