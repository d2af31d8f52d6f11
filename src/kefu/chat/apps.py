from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "kefu.chat"
    label = "chat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from .services import agents, dispatch  # noqa: F401  (register the routing and silence duties)
