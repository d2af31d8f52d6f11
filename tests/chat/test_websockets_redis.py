"""The same live chat between two real sockets with the production channel layer: channels-redis (a key prefix of
its own, flushed afterwards). Redis runs on every kefu machine and in CI; the test skips only if it is unreachable."""

from __future__ import annotations

import os
import uuid

import pytest
from asgiref.sync import async_to_sync

from .test_websockets import _defaults, chat_between_two_sockets, people  # noqa: F401  (fixtures)

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("redis")]


@pytest.fixture
def redis_layer(settings):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"kefu-chat-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [REDIS_URL], "prefix": prefix}}}
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    yield layer
    async_to_sync(layer.flush)()


def test_a_chat_between_a_customer_and_an_agent_over_redis(redis_layer, people):  # noqa: F811
    chat_between_two_sockets(*people)
