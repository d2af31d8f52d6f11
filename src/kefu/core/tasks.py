"""Celery tasks. The same functions run inline in the embedded default (CELERY_TASK_ALWAYS_EAGER)."""

from __future__ import annotations

from celery import shared_task

from . import duties, outbox


@shared_task(name="kefu.dispatch_outbox", ignore_result=True)
def dispatch_outbox() -> int:
    return outbox.dispatch_pending()


@shared_task(name="kefu.run_duty", ignore_result=True)
def run_duty(name: str):
    return duties.get(name).run()
