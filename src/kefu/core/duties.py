"""Background duties: periodic work, declared once and run either by Celery beat + workers
(production, KEFU_REDIS_URL set) or by the embedded runner thread of `kefu serve` (the default).

    @duty("commerce.cancel_unpaid_orders", every=timedelta(minutes=1))
    def cancel_unpaid_orders() -> int: ...
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duty:
    name: str
    every: timedelta
    func: Callable[[], object]

    def run(self) -> object:
        return self.func()


_duties: dict[str, Duty] = {}


def duty(name: str, every: timedelta):
    def register(func):
        _duties[name] = Duty(name, every, func)
        return func

    return register


def all_duties() -> list[Duty]:
    return sorted(_duties.values(), key=lambda d: d.name)


def get(name: str) -> Duty:
    try:
        return _duties[name]
    except KeyError:
        raise KeyError(f"no such duty: {name}") from None


class EmbeddedRunner(threading.Thread):
    """Runs every duty when it is due, in one daemon thread, so the embedded default needs no broker."""

    def __init__(self, tick: float = 5.0):
        super().__init__(name="kefu-duties", daemon=True)
        self.tick = tick
        self._stop_event = threading.Event()
        self._last_run: dict[str, float] = {}

    def run_due(self) -> list[str]:
        ran = []
        now = time.monotonic()
        for d in all_duties():
            last = self._last_run.get(d.name)
            if last is not None and now - last < d.every.total_seconds():
                continue
            self._last_run[d.name] = now
            try:
                d.run()
                ran.append(d.name)
            except Exception:
                log.exception("duty %s failed", d.name)
            finally:
                close_old_connections()
        return ran

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.run_due()
            self._stop_event.wait(self.tick)

    def stop(self) -> None:
        self._stop_event.set()


@duty("core.sweep_outbox", every=timedelta(seconds=15))
def sweep_outbox() -> int:
    """Dispatch what the after-commit nudge missed (a crash, a busy worker, a failed subscriber)."""
    from .outbox import dispatch_pending

    return dispatch_pending()
