"""Pushing chat events to the open websockets (Channels groups), after the change commits.

Groups: one per user (`chat.user.<id>`: every tab of that customer or agent), every agent's console
(`chat.agents`) and every supervisor's (`chat.supervisors`). Events go to people, not to conversations, so a
transfer needs no socket to join or leave a group, and a customer can only ever receive their own chat.

Two kinds of push:
- events (`publish`): messages, assignments, transfers, ends… each one delivered, in commit order;
- states (`publish_latest`): a waiting customer's place and expected wait, the queues' summary. Each has a key;
  within LATEST_DELAY the latest state of a key replaces the earlier ones, and a state equal to the one last sent
  is not sent again. Every start or assignment changes the line, so without this a line of n waiting customers
  would cost n pushes per change — n² while it fills — and flood the channel layer's bounded queues.

Live pushes are not the record: the rows are. A push lost (a socket reconnecting) is caught up from the history
(GET …/conversations/{number}, or the `hello` a socket gets on connect), so pushes do not go through the outbox
— which would add a write and a dispatch to every chat message, the hottest path there is. The domain events
of state changes (chat.started, chat.assigned, …) do go through the outbox, for other subscribers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

AGENTS = "chat.agents"
SUPERVISORS = "chat.supervisors"
HANDLER = "chat.event"  # the consumers' chat_event method forwards the event to the browser as it is
LATEST_DELAY = 0.25  # seconds a state waits for a newer one
SUMMARY = "summary."  # the queues' summary states: to every agent's console, so at most once every
SUMMARY_EVERY = 1.0  # … second
_REMEMBERED = 20_000  # states remembered to skip repeats (then forgotten all at once)

Push = tuple[str, dict]
Keyed = tuple[str, str, dict]  # (key, group, event)
log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


def to_user(user_id: int | None, event: dict) -> list[Push]:
    return [] if user_id is None else [(user_group(user_id), event)]


def publish(pushes: Iterable[Push]) -> None:
    """Send after the surrounding transaction commits (at once outside one); nothing if it rolls back."""
    batch = list(pushes)
    if batch:
        transaction.on_commit(lambda: send_now(batch))


def publish_latest(states: Iterable[Keyed]) -> None:
    """States, after commit: the latest of each key within LATEST_DELAY, and only when it changed."""
    batch = list(states)
    if batch:
        transaction.on_commit(lambda: send_latest(batch))


class _Server:
    """The event loop that serves this process's sockets, its sender task and the pending states."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self.pending: dict[str, Push] = {}
        self.sent: dict[str, dict] = {}
        self.sent_at: dict[str, float] = {}
        self.flush_scheduled = False
        loop.create_task(self.sender())

    def alive(self) -> bool:
        return self.loop.is_running() and not self.loop.is_closed()

    async def sender(self) -> None:
        while True:
            batch = await self.queue.get()
            try:
                await send_async(batch)
            except Exception:  # a push lost is caught up from the history; the sender must live on
                log.exception("chat push failed")

    def offer(self, states: list[Keyed]) -> None:  # on the loop
        for key, group, event in states:
            self.pending[key] = (group, event)
        self.schedule(LATEST_DELAY)

    def schedule(self, delay: float) -> None:
        if not self.flush_scheduled:
            self.flush_scheduled = True
            self.loop.call_later(delay, self.flush)

    def flush(self) -> None:  # on the loop
        self.flush_scheduled = False
        now = self.loop.time()
        if len(self.sent) > _REMEMBERED:
            self.sent.clear()
            self.sent_at.clear()
        batch, later = [], {}
        for key, (group, event) in self.pending.items():
            if key.startswith(SUMMARY) and now - self.sent_at.get(key, float("-inf")) < SUMMARY_EVERY:
                later[key] = (group, event)  # every agent's console gets it: at most once a second
                continue
            same = {k: v for k, v in event.items() if k != "at"}
            if self.sent.get(key) != same:
                self.sent[key], self.sent_at[key] = same, now
                batch.append((group, event))
        self.pending = later
        if later:
            self.schedule(SUMMARY_EVERY)
        if batch:
            self.queue.put_nowait(batch)


_server: _Server | None = None


def remember_loop() -> None:
    """The consumers call this on connect: the event loop that serves the sockets of this process."""
    global _server
    loop = asyncio.get_running_loop()
    if _server is None or _server.loop is not loop:
        _server = _Server(loop)


def send_now(pushes: Iterable[Push]) -> None:
    """Send from sync code (services, duties); consumers await `send_async` instead.

    With a server loop (a consumer connected in this process) the batch goes to its sender task, and this thread
    goes on at once: the database thread never waits for the sockets, and batches keep their commit order. The
    in-memory layer's queues belong to that loop, too, so a send from a duty thread with a loop of its own would
    not wake the sockets waiting on them. Without one (a management command, a test outside a socket scenario) it
    sends before returning."""
    batch = list(pushes)
    if not batch or get_channel_layer() is None:
        return
    server = _server
    if server is not None and server.alive():
        server.loop.call_soon_threadsafe(server.queue.put_nowait, batch)
    else:
        async_to_sync(send_async)(batch)


def send_latest(states: Iterable[Keyed]) -> None:
    batch = list(states)
    if not batch or get_channel_layer() is None:
        return
    server = _server
    if server is not None and server.alive():
        server.loop.call_soon_threadsafe(server.offer, batch)
    else:
        async_to_sync(send_async)([(group, event) for _key, group, event in batch])


_swept_at = 0.0
SWEEP_EVERY = 10.0  # seconds between two sweeps of the in-memory layer's expired entries


async def send_async(pushes: Iterable[Push]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    fast = isinstance(layer, InMemoryChannelLayer)
    global _swept_at
    if fast and time.monotonic() - _swept_at > SWEEP_EVERY:
        _swept_at = time.monotonic()
        layer._clean_expired()  # what group_send would do on every call (see below)
    for group, event in pushes:
        message = {"type": HANDLER, "event": event}
        if not fast:
            await layer.group_send(group, message)
            continue
        # The in-memory layer's group_send first sweeps every channel and group for expired entries: with a
        # thousand sockets open that sweep, per push, was most of the event loop's work. Its members get the
        # same send here; the sweep still runs on the layer's other calls.
        for channel in list(layer.groups.get(group, {})):
            try:
                await layer.send(channel, message)
            except ChannelFull:
                log.warning("chat push dropped: channel %s is full", channel)
