from accounts.permissions import can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    declare = can(user, "technique.create")
    return {
        "can_view_audit": can(user, "audit.view"),
        "can_declare": declare,
        "can_view_techniques": declare or can(user, "technique.view"),
        "can_manage_vocabulary": can(user, "vocabulary.manage"),
    }
