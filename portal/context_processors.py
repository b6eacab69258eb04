from accounts.permissions import can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_view_audit": can(user, "audit.view")}
