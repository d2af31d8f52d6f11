"""The transactional outbox: nothing lost on rollback, nothing delivered twice, failures retried."""

from datetime import timedelta

import pytest
from django.db import transaction

from kefu.core import clock, events, outbox
from kefu.core.duties import EmbeddedRunner, all_duties
from kefu.core.events import subscriber
from kefu.core.models import OutboxDelivery, OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

received: list[tuple[str, int]] = []
failures = {"left": 0}


@subscriber("test.ping")
def record_ping(event):
    received.append(("record", event.payload["n"]))


@subscriber("test.ping")
def flaky_ping(event):
    if failures["left"] > 0:
        failures["left"] -= 1
        raise RuntimeError("mail server down")
    received.append(("flaky", event.payload["n"]))


@pytest.fixture(autouse=True)
def _clean():
    received.clear()
    failures["left"] = 0
    yield
    received.clear()


def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        events.emit("test.ping", {"n": 0})


def test_commit_dispatches_inline_in_the_embedded_default():
    with transaction.atomic():
        events.emit("test.ping", {"n": 1})
        assert received == []  # nothing leaves before commit
    assert sorted(received) == [("flaky", 1), ("record", 1)]
    assert OutboxEvent.objects.get().dispatched_at is not None


def test_rollback_leaves_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("test.ping", {"n": 2})
        raise RuntimeError("the change failed after the event was written")
    assert OutboxEvent.objects.count() == 0 and received == []


def test_failed_subscriber_is_retried_alone_with_backoff():
    failures["left"] = 1
    with transaction.atomic():
        events.emit("test.ping", {"n": 3})
    event = OutboxEvent.objects.get()
    assert received == [("record", 3)]
    assert event.dispatched_at is None and event.attempts == 1 and "mail server down" in event.last_error
    assert outbox.dispatch_pending() == 0  # not yet due: backoff
    clock.advance(timedelta(seconds=6))
    assert outbox.dispatch_pending() == 1
    assert received == [("record", 3), ("flaky", 3)]  # the healthy subscriber was not called again
    assert OutboxDelivery.objects.filter(event=event).count() == 2


def test_redispatch_delivers_nothing_twice():
    with transaction.atomic():
        events.emit("test.ping", {"n": 4})
    OutboxEvent.objects.update(dispatched_at=None)  # as if a crash lost the 'dispatched' mark
    outbox.dispatch_pending()
    assert sorted(received) == [("flaky", 4), ("record", 4)]


def test_claimed_event_is_skipped_until_its_lease_expires():
    event = OutboxEvent.objects.create(topic="test.ping", payload={"n": 5}, created_at=clock.now(),
                                       available_at=clock.now(), claimed_until=clock.now() + outbox.LEASE)
    assert outbox.dispatch_pending() == 0
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert outbox.dispatch_pending() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert outbox.backoff(50) == outbox.MAX_BACKOFF


def test_embedded_runner_runs_every_duty_once_per_interval():
    OutboxEvent.objects.create(topic="test.ping", payload={"n": 6}, created_at=clock.now(),
                               available_at=clock.now())
    runner = EmbeddedRunner(tick=0.01)
    first = runner.run_due()
    assert set(first) == {d.name for d in all_duties()}
    assert sorted(received) == [("flaky", 6), ("record", 6)]
    assert runner.run_due() == []  # nothing is due again so soon


def test_embedded_runner_thread_starts_and_stops():
    runner = EmbeddedRunner(tick=0.01)
    runner.start()
    runner.stop()
    runner.join(timeout=5)
    assert not runner.is_alive()
