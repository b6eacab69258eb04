"""Sign-in lock-out by account and by address, with separate thresholds (issue 13 §9).

django-axes counts failures per lock-out parameter (here the username and the client address) and
compares the largest count with one limit. One limit cannot be right for both: five failures are
plenty for one account, but a county health bureau or a township clinic reaches us through one
shared government NAT address, where fifty colleagues mistyping in a morning is ordinary. So the
account is locked at AXES_FAILURE_LIMIT failures and the address at AXES_IP_FAILURE_LIMIT, each
within AXES_COOLOFF_TIME.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        threshold = request.axes_attempt_time - get_cool_off(request)
        recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        limit = get_failure_limit(request, credentials)
        if by_address >= settings.AXES_IP_FAILURE_LIMIT:
            # The lock-out page and its audit row say which of the two was reached.
            request.axes_locked_by = "address"
            return max(by_account, limit)
        request.axes_locked_by = "account"
        return by_account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        # A success clears the account's own failures only. Axes would also clear the address's,
        # and then anyone with one working account could wipe the address's count between guesses.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def account_locked(username: str) -> bool:
    """Whether the account is locked out now, from wherever one asks (the API's token check)."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=threshold)
    return _failures(recent) >= settings.AXES_FAILURE_LIMIT
