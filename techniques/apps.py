from django.apps import AppConfig


class TechniquesConfig(AppConfig):
    name = "techniques"
    verbose_name = "优势技术"

    def ready(self) -> None:
        from techniques import permissions  # noqa: F401  (registers the acts)
