from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "kefu.commerce"
    label = "commerce"
    verbose_name = _("Commerce")

    def ready(self) -> None:
        from . import duties, subscribers  # noqa: F401  (register duties and subscribers)
