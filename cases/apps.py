from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "病案与经验挖掘"

    def ready(self) -> None:
        from cases import permissions  # noqa: F401  (registers the acts)
