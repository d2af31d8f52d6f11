from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "kefu.contact"
    label = "contact"
    verbose_name = _("Contact centre")

    def ready(self) -> None:
        from . import services  # noqa: F401  (registers the handover duty)
