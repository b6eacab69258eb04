from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与单位"

    def ready(self) -> None:
        from accounts import checks, signals  # noqa: F401  (deploy checks; sign-in auditing)
        from accounts.admin_labels import name_third_party_apps

        name_third_party_apps()
