import csv

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import authorize, scope
from lib.pagination import CappedPaginator
from workflow.forms import AuditFilterForm
from workflow.models import AuditEntry
from workflow.services import audit_record

CSV_COLUMNS = [
    _("时间"),
    _("操作人"),
    _("单位"),
    _("操作"),
    _("对象类型"),
    _("对象编号"),
    _("对象"),
    _("原状态"),
    _("新状态"),
    _("原因"),
    _("IP 地址"),
    _("结果"),
]


def _entries(request):
    authorize(request.user, "audit.view")
    form = AuditFilterForm(request.GET or {})
    entries = scope(request.user, "audit.view", AuditEntry.objects.all())
    return form, form.filter(entries).select_related("organization", "content_type")


@login_required
def audit_list(request):
    form, entries = _entries(request)
    page = CappedPaginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "workflow/audit_list.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


@login_required
def audit_export(request):
    form, entries = _entries(request)
    audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, reason=f"导出审计日志：{request.GET.urlencode()}")
    writer = csv.writer(_Echo())
    # The header in the language of the request, fixed before the response starts streaming.
    header = [str(column) for column in CSV_COLUMNS]

    def rows():
        # A BOM so that Excel on Chinese Windows opens the file as UTF-8.
        yield "\ufeff" + writer.writerow(header)
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
