import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import authorize, scope
from workflow.forms import AuditFilterForm
from workflow.models import AuditEntry
from workflow.services import audit_record

CSV_COLUMNS = ["时间", "操作人", "单位", "操作", "对象类型", "对象编号", "对象", "原状态", "新状态", "原因", "IP 地址", "结果"]


def _entries(request):
    authorize(request.user, "audit.view")
    form = AuditFilterForm(request.GET or {})
    entries = scope(request.user, "audit.view", AuditEntry.objects.all())
    return form, form.filter(entries).select_related("organization", "content_type")


@login_required
def audit_list(request):
    form, entries = _entries(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "workflow/audit_list.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


@login_required
def audit_export(request):
    form, entries = _entries(request)
    audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, reason=f"导出审计日志：{request.GET.urlencode()}")
    writer = csv.writer(_Echo())

    def rows():
        # A BOM so that Excel on Chinese Windows opens the file as UTF-8.
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    e.actor_label,
                    e.organization.name if e.organization else "",
                    e.get_action_display(),
                    e.content_type.name if e.content_type else "",
                    e.object_id,
                    e.object_repr,
                    e.from_state,
                    e.to_state,
                    e.reason,
                    e.ip or "",
                    e.get_outcome_display(),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
