from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import duties, roles, subscribers  # noqa: F401  (register duties and subscribers)

        post_migrate.connect(roles.on_post_migrate, sender=self)
