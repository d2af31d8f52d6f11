"""The Celery app. Broker: KEFU_REDIS_URL; without it tasks run inline (the embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

app = Celery("kefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_duties(sender: Celery, **_kwargs) -> None:
    """Celery beat runs every registered duty at its own interval: one list of duties for both modes."""
    from kefu.core.duties import all_duties
    from kefu.core.tasks import run_duty

    for d in all_duties():
        sender.add_periodic_task(d.every.total_seconds(), run_duty.s(d.name), name=d.name)
