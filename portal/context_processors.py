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
        "can_review_apprentices": can(user, "apprentice_application.vet")
        or can(user, "apprentice_application.approve"),
        "can_import_apprentices": can(user, "apprentice_application.import"),
        "can_confirm_hours": can(user, "teaching.hours_queue"),
        "can_view_evaluations": can(user, "evaluation.view") or can(user, "assignment.score"),
        "can_score": can(user, "assignment.score"),
    }
