import csv

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import authorize, reaches, scope
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from lib.xlsx import safe_cell
from workflow.forms import AuditFilterForm
from workflow.models import AuditEntry
from workflow.services import audit_record, audit_refused_move, moves, state_label_in_current_language

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
@require_safe
def audit_list(request):
    form, entries = _entries(request)
    page = CappedPaginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "workflow/audit_list.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


@login_required
@require_safe
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
            fields = [
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
            # A name or reason typed as "=HYPERLINK(...)" is shown by Excel, never evaluated.
            yield writer.writerow([safe_cell(field) for field in fields])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@login_required
@require_POST
def move(request, label: str, pk: int):
    """The one endpoint behind every button of templates/workflow/_moves.html: the model's
    MOVE_SERVICE makes the move (it checks scope, the state seen, the table and the act, and keeps
    a refused move on record).

    Outside the person's scope the record does not exist, whatever was posted (404; a move named
    is on record as refused). A post that names no move is refused (403) to someone with no move
    on the record now; only someone who has one is asked to choose. (The act is not asked before
    the move is named: a teaching record's party has no act once it has moved on, and a stale page
    must still hear that someone else decided.)"""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    service_path = getattr(model, "MOVE_SERVICE", None)
    if not service_path or not getattr(model, "TRANSITIONS", None):
        raise Http404
    obj = get_object_or_404(model._default_manager, pk=pk)
    targets = {str(to): to for table in model.TRANSITIONS.values() for to in table}
    sources = {str(state): state for state in model.TRANSITIONS}
    to = targets.get(request.POST.get("to", ""))
    reason = request.POST.get("reason", "").strip()
    if not reaches(request.user, obj):
        refusal = Http404()
        if to is not None:
            audit_refused_move(obj, to, actor=request.user, reason=reason, exc=refusal)
        raise refusal
    if to is None:
        if not moves(obj, request.user):
            raise PermissionDenied
        raise ApplicationError(_g("请选择要办理的事项"), field="to")
    expect = sources.get(request.POST.get("expect", ""))
    import_string(service_path)(obj, to=to, actor=request.user, reason=reason, expect=expect)
    verbs = getattr(model, "MOVE_LABELS", {})
    verb = verbs.get((expect, to), verbs.get(to)) or state_label_in_current_language(model, to)
    messages.success(request, _g("已办理「%(move)s」：%(obj)s") % {"move": verb, "obj": obj})
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(obj.get_absolute_url())
