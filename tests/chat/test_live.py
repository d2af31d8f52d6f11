"""The live pushes: events in commit order; states coalesced (the latest of a key) and not repeated; the in-memory
layer's sweep kept to once a second."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync

from kefu.chat import live
from kefu.chat.layers import InMemoryChannelLayer


def collect(layer, channel, count: int, timeout: float = 3) -> list:
    async def take():
        return [(await asyncio.wait_for(layer.receive(channel), timeout))["event"] for _ in range(count)]

    return take()


def test_states_keep_the_latest_of_a_key_and_skip_repeats(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "kefu.chat.layers.InMemoryChannelLayer"}}
    from channels.layers import get_channel_layer

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.user_group(7), channel)
        live.remember_loop()
        server = live._server
        place = [("queue.C1", live.user_group(7), {"type": "queue", "position": n}) for n in (3, 2, 1)]
        server.offer(place[:1])
        server.offer(place[1:])  # within the delay: only the latest goes out
        first = await collect(layer, channel, 1)
        server.offer([("queue.C1", live.user_group(7), {"type": "queue", "position": 1})])  # the same again
        server.offer([("queue.C2", live.user_group(7), {"type": "queue", "position": 5})])
        second = await collect(layer, channel, 1)
        live.send_now([(live.user_group(7), {"type": "message", "n": 1}), (live.user_group(7), {"type": "message",
                                                                                               "n": 2})])
        events = await collect(layer, channel, 2)
        return first, second, events

    first, second, events = async_to_sync(scenario)()
    assert first == [{"type": "queue", "position": 1}]
    assert second == [{"type": "queue", "position": 5}]  # C1's repeat was not sent
    assert [e["n"] for e in events] == [1, 2]  # events keep their order


def test_without_a_server_loop_pushes_go_out_at_once(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "kefu.chat.layers.InMemoryChannelLayer"}}
    from channels.layers import get_channel_layer

    live._server = None
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.user_group(8), channel)
    live.send_latest([("queue.C9", live.user_group(8), {"type": "queue", "position": 2})])
    assert async_to_sync(layer.receive)(channel)["event"] == {"type": "queue", "position": 2}


def test_the_layer_sweeps_expired_entries_at_most_once_a_second(monkeypatch):
    layer = InMemoryChannelLayer()
    sweeps = []
    monkeypatch.setattr("channels.layers.InMemoryChannelLayer._clean_expired", lambda self: sweeps.append(1))
    now = [100.0]
    monkeypatch.setattr("kefu.chat.layers.time.monotonic", lambda: now[0])
    for _ in range(5):
        layer._clean_expired()
    now[0] += 1.5
    layer._clean_expired()
    assert len(sweeps) == 2
