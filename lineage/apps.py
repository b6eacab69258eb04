from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LineageConfig(AppConfig):
    name = "lineage"
    verbose_name = _("传承脉络")

    def ready(self) -> None:
        from lineage import permissions  # noqa: F401  (registers the acts)
