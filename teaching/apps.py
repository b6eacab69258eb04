from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "teaching"
    verbose_name = "带教与结业"

    def ready(self) -> None:
        from teaching import permissions, todos  # noqa: F401  (registers the acts and the to-dos)
