"""The in-memory channel layer (the embedded default), fit for a thousand open chats.

channels' InMemoryChannelLayer sweeps every channel and group for expired entries on each receive and each
group_send: with a thousand sockets open that sweep ran on every delivered event and was most of the server's
CPU (benchmarks/chat_load.py). This is the same layer, swept at most once a second; an expired message (60 s
old by default) is dropped up to a second later, nothing else changes. Use it in CHANNEL_LAYERS:
    {"default": {"BACKEND": "kefu.chat.layers.InMemoryChannelLayer"}}
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryLayer


class InMemoryChannelLayer(ChannelsInMemoryLayer):
    sweep_every = 1.0  # seconds

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at < self.sweep_every:
            return
        self._swept_at = now
        super()._clean_expired()
