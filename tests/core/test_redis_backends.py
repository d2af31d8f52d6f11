"""Production mode against a real Redis: a Celery worker dispatches the outbox; channels-redis carries
websocket group messages. Redis runs on every kefu machine (CI starts it when it is not running)."""

import os
import threading
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction

from kefu import celery_app
from kefu.core import events
from kefu.core.events import subscriber
from kefu.core.models import OutboxEvent

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
pytestmark = [pytest.mark.redis, pytest.mark.xdist_group("redis")]

seen: list[tuple[int, str]] = []


@subscriber("test.redis")
def remember(event):
    seen.append((event.payload["n"], threading.current_thread().name))


@pytest.fixture
def celery_on_redis():
    """Switch the Celery app from inline execution to the Redis broker, with a worker thread."""
    from celery.contrib.testing.worker import start_worker

    def forget_broker():
        # Connections and producers are cached per app; even eager calls create them (memory://).
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    forget_broker()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield celery_app
    finally:
        celery_app.conf.update(saved)
        forget_broker()


@pytest.mark.django_db(transaction=True)
def test_celery_worker_on_redis_dispatches_the_outbox(celery_on_redis):
    seen.clear()
    with transaction.atomic():
        events.emit("test.redis", {"n": 7})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not OutboxEvent.objects.filter(dispatched_at__isnull=False).exists():
        time.sleep(0.1)
    assert OutboxEvent.objects.get().dispatched_at is not None
    # Delivered once, by the worker (not inline in the test's thread as in the embedded default).
    assert [n for n, _thread in seen] == [7]
    assert seen[0][1] != threading.current_thread().name


@pytest.mark.django_db  # importing the task modules runs Celery's Django fixup, which touches connections
def test_duties_are_scheduled_in_celery_beat():
    celery_app.loader.import_default_modules()
    celery_app.finalize()
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    names = {entry["args"][0] for entry in celery_app.conf.beat_schedule.values()}
    assert scheduled == {"kefu.run_duty"}
    assert {"core.sweep_outbox", "commerce.cancel_unpaid_orders", "commerce.recompute_tiers"} <= names


def test_redis_channel_layer_carries_group_messages():
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[REDIS_URL])
    group = f"order.test-{uuid.uuid4().hex[:8]}"

    async def roundtrip():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "order.changed", "payload": {"order": "KF1"}})
        message = await layer.receive(channel)
        await layer.flush()
        return message

    assert async_to_sync(roundtrip)() == {"type": "order.changed", "payload": {"order": "KF1"}}
