"""Module fixtures that commit a seeded data set must leave the database as they found it for the tests that
run after them on the same worker: `kefu seed --flush` keeps the audit log and the team's configuration
(canned replies) on purpose, so those are removed here too."""

from __future__ import annotations

from contextlib import contextmanager

from django.db.models import Max

from kefu.commerce.seed.writer import flush
from kefu.core.models import AuditEntry
from kefu.tickets.models import CannedReply


def _high_water(model) -> int:
    return model.objects.aggregate(m=Max("id"))["m"] or 0


@contextmanager
def forgotten_afterwards():
    """Run a seed inside; afterwards flush it, with the audit entries and canned replies it added."""
    audit, canned = _high_water(AuditEntry), _high_water(CannedReply)
    try:
        yield
    finally:
        flush()
        AuditEntry.objects.filter(id__gt=audit).delete()
        CannedReply.objects.filter(id__gt=canned).delete()
