from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "价值评估"

    def ready(self) -> None:
        from evaluations import permissions, todos  # noqa: F401  (registers the acts and to-dos)
