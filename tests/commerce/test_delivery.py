from datetime import UTC, datetime, timedelta

import pytest

from kefu.commerce.delivery import is_late

END = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("now,signed_at,status,promised_end,late", [
    (END, None, "shipped", END, False),                              # at the promise: on time
    (END + timedelta(seconds=1), None, "shipped", END, True),        # a second past: late
    (END + timedelta(days=2), END - timedelta(hours=1), "delivered", END, False),  # signed in time
    (END + timedelta(days=2), END + timedelta(days=1), "delivered", END, False),   # signed late: no longer open
    (END + timedelta(days=2), None, "cancelled", END, False),        # refused / cancelled
    (END + timedelta(days=2), None, "shipped", None, False),         # no promise made
])
def test_is_late(now, signed_at, status, promised_end, late):
    assert is_late(promised_end=promised_end, signed_at=signed_at, now=now, order_status=status) is late
