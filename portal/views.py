from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from accounts.models import Organization, Region
from portal.todos import todos_for


@require_safe
def home(request):
    yuncheng = Region.objects.filter(code="140800").first()
    prefix = yuncheng.prefix if yuncheng else "1408"
    counts = {
        f"{level}_count": Region.objects.filter(level=level, prefix__startswith=prefix).count()
        for level in ("county", "township", "village")
    }
    return render(request, "portal/home.html", {**counts, "organization_count": Organization.objects.count()})


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; the icon lives with the static files."""
    icon = settings.BASE_DIR / "static" / "favicon.ico"
    return FileResponse(icon.open("rb"), content_type="image/x-icon")


@login_required
@require_safe
def workbench(request):
    from notifications.models import Notification

    memberships = request.user.memberships.select_related("organization")
    notices = Notification.objects.filter(recipient=request.user, read_at=None)[:5]
    return render(
        request,
        "portal/workbench.html",
        {"todos": todos_for(request.user), "memberships": memberships, "notices": notices},
    )


def _error(request, status: int, title: str, detail: str):
    return render(request, "error.html", {"status": status, "title": title, "detail": detail}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, _("请求无效"), _("提交的内容无法处理（可能过长或格式不正确），请返回修改后重试。"))


def permission_denied(request, exception=None):
    detail = str(exception) if exception and str(exception) else _("您没有执行此操作的权限。")
    return _error(request, 403, _("没有权限"), detail)


def page_not_found(request, exception=None):
    return _error(request, 404, _("页面不存在"), _("您访问的页面不存在，或不在您的查看范围内。"))


def server_error(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return _error(request, 403, _("表单已失效"), _("为保障安全，页面表单已过期或来源无法验证。请刷新页面后重新提交。"))
