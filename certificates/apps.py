from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "证书"

    def ready(self) -> None:
        from certificates import permissions  # noqa: F401  (registers the acts)
