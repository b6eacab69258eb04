from django.apps import AppConfig


class ApprenticeshipsConfig(AppConfig):
    name = "apprenticeships"
    verbose_name = "师承关系"

    def ready(self) -> None:
        from apprenticeships import permissions, todos  # noqa: F401  (registers the acts and to-dos)
