"""System checks of the accounts app (run by `manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from accounts.sms import CONSOLE_BACKEND


@checks.register(checks.Tags.security, deploy=True)
def sms_backend_is_not_the_console(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The console backend writes every registration code to the log instead of sending it: in
    production anyone who reads the log could register in a stranger's name (issue 12 §1)."""
    if getattr(settings, "PRODUCTION", False) and settings.SMS_BACKEND == CONSOLE_BACKEND:
        return [
            checks.Error(
                "SMS_BACKEND is the console backend in production: registration codes would be "
                "written to the log, not sent.",
                hint="Name the SMS gateway's adapter (a subclass of accounts.sms.BaseSmsBackend), or "
                "leave SMS_BACKEND unset to keep self-registration closed.",
                id="accounts.E001",
            )
        ]
    return []
