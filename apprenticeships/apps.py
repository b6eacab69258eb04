from django.apps import AppConfig


class ApprenticeshipsConfig(AppConfig):
    name = "apprenticeships"
    verbose_name = "师承关系"

    def ready(self) -> None:
        from apprenticeships import permissions  # noqa: F401  (registers the acts)
