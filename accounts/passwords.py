"""Password expiry for staff and admin accounts (issue 13 §10).

Whose passwords expire: superusers, Django-admin users and the roles in PASSWORD_EXPIRY_ROLES (by
default office staff and unit admins), PASSWORD_MAX_AGE_DAYS after they were set (0: never). The
date is worked out once at sign-in and kept in the session, so that the check on every request
(accounts.middleware.PasswordExpiryMiddleware) costs no query.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings

from accounts.models import Membership, User

SESSION_KEY = "password_expires_at"


def password_expires(user: User) -> bool:
    if settings.PASSWORD_MAX_AGE_DAYS <= 0:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role__in=settings.PASSWORD_EXPIRY_ROLES).exists()


def password_expires_at(user: User) -> datetime | None:
    if not password_expires(user):
        return None
    return user.password_changed_at + timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def remember_expiry(request, user: User) -> None:
    """At sign-in and after a change: note in the session when this person's password expires."""
    expires_at = password_expires_at(user)
    request.session[SESSION_KEY] = expires_at.timestamp() if expires_at else None


def password_expired(request) -> bool:
    expires_at = request.session.get(SESSION_KEY)
    return expires_at is not None and time.time() >= float(expires_at)
