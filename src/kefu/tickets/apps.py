from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"
    verbose_name = _("Complaints and tickets")

    def ready(self) -> None:
        # The duties (SLA sweep, round-robin assignment, follow-up visits), and the outbox subscribers that
        # tell customers by email, SMS and portal notice.
        from . import sla_sweep, subscribers  # noqa: F401
        from .services import assignment, follow_up  # noqa: F401
