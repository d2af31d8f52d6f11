from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "kefu.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        # The 100-minute watch; the refund subscriber, whose payments module registers the gateway check.
        from . import duties, subscribers  # noqa: F401
