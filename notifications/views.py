from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from lib.pagination import CappedPaginator
from notifications.models import Notification
from notifications.services import notification_mark_read


@login_required
@require_safe
def inbox(request):
    notices = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread"):
        notices = notices.filter(read_at=None)
    page = CappedPaginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "unread_only": bool(request.GET.get("unread"))})


@login_required
@require_safe
def open_notification(request, pk: int):
    """Following a notice marks it read, then goes where it points (only within this site)."""
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, ids=[notice.pk])
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications:inbox")
