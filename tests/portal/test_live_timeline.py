"""The websocket that tells an open order page to refetch its timeline (Channels).

pytest-asyncio is not installed: each test drives one async scenario with asgiref's async_to_sync,
and database work inside it runs through sync_to_async (so it uses the test's connection).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import transaction

from kefu.commerce.services.shipments import add_tracking_event
from kefu.commerce.subscribers import order_group
from kefu.core import outbox
from kefu.portal.routing import websocket_urlpatterns
from tests import factories as f

from .builders import shipped_order

pytestmark = pytest.mark.django_db(transaction=True)

APP = URLRouter(websocket_urlpatterns)


def connect(user, number):
    """A communicator for ws/orders/<number>/ with `user` as AuthMiddlewareStack would set it."""
    communicator = WebsocketCommunicator(APP, f"/ws/orders/{number}/")
    communicator.scope["user"] = user
    return communicator


@pytest.fixture
def scene(roles):
    owner = f.customer(name="王芳")
    order, shipment = shipped_order(owner)
    return owner, order, shipment


def test_owner_receives_order_changed_after_a_tracking_event(scene):
    owner, order, shipment = scene

    def new_tracking_event():
        with transaction.atomic():
            add_tracking_event(shipment, occurred_at=shipment.shipped_at + timedelta(hours=30),
                               place="海淀上地营业部", code="out_for_delivery", description="快递员正在派送")
        outbox.dispatch_pending()  # the embedded default already dispatched on commit; this is a no-op then

    async def scenario():
        communicator = connect(owner.user, order.number)
        connected, _ = await communicator.connect()
        assert connected
        await sync_to_async(new_tracking_event)()
        message = await communicator.receive_json_from(timeout=5)
        assert message == {"type": "order.changed", "order": order.number,
                           "topic": "shipment.tracking_event_added"}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_agent_with_the_workbench_permission_may_watch(scene, staff_user):
    _owner, order, _shipment = scene
    agent = staff_user("presale_agent")

    async def scenario():
        communicator = connect(agent, order.number)
        connected, _ = await communicator.connect()
        assert connected
        await get_channel_layer().group_send(order_group(order.number),
                                             {"type": "order.changed", "topic": "order.status_changed"})
        assert (await communicator.receive_json_from(timeout=5))["type"] == "order.changed"
        await communicator.send_json_to({"hello": "ignored"})  # the page only listens
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["stranger", "anonymous", "warehouse"])
def test_others_are_refused(scene, staff_user, who):
    from django.contrib.auth.models import AnonymousUser

    _owner, order, _shipment = scene
    user = {
        "stranger": lambda: f.customer(name="赵磊").user,
        "anonymous": AnonymousUser,
        "warehouse": lambda: staff_user("warehouse"),
    }[who]()

    async def scenario():
        communicator = connect(user, order.number)
        connected, _ = await communicator.connect()
        assert not connected

    async_to_sync(scenario)()


def test_unknown_order_is_refused(scene):
    owner, _order, _shipment = scene

    async def scenario():
        connected, _ = await connect(owner.user, "NOSUCHORDER").connect()
        assert not connected

    async_to_sync(scenario)()


def test_through_the_real_asgi_stack_with_the_session_cookie(scene, client):
    """kefu.asgi: origin check, session auth, routing — the way a browser connects."""
    from kefu.asgi import application

    owner, order, _shipment = scene
    client.force_login(owner.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/orders/{order.number}/",
                                             headers=[(b"cookie", cookie), (b"origin", b"http://testserver")])
        connected, _ = await communicator.connect()
        assert connected
        await communicator.disconnect()
        intruder = WebsocketCommunicator(application, f"/ws/orders/{order.number}/",
                                         headers=[(b"origin", b"http://testserver")])
        connected, _ = await intruder.connect()
        assert not connected

    async_to_sync(scenario)()
