from accounts.permissions import can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.models import Notification

    declare = can(user, "technique.create")
    return {
        # Capped: the badge says "99+" rather than counting a long-neglected inbox.
        "unread_notifications": Notification.objects.filter(recipient=user, read_at=None)[:100].count(),
        "can_view_audit": can(user, "audit.view"),
        "can_declare": declare,
        "can_view_techniques": declare or can(user, "technique.view"),
        "can_manage_vocabulary": can(user, "vocabulary.manage"),
    }
