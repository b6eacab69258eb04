from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from notifications import receivers  # noqa: F401  (connects the transitioned receiver)
