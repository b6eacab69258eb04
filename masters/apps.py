from django.apps import AppConfig


class MastersConfig(AppConfig):
    name = "masters"
    verbose_name = "传承人"

    def ready(self) -> None:
        from masters import permissions  # noqa: F401  (registers the acts)
