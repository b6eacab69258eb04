import csv

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import reaches
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from lib.xlsx import export_inline_max_rows
from workflow.exports import audit_entries, csv_header, csv_rows, export_filename, schedule_export
from workflow.models import AuditEntry
from workflow.services import audit_record, audit_refused_move, moves, state_label_in_current_language


def _entries(request):
    return audit_entries(actor=request.user, params=request.GET)


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
    """A selection of up to EXPORT_INLINE_MAX_ROWS rows is streamed; a larger one is written by a
    background job, whose progress page the person is sent to (issue 13 §14)."""
    _form, entries = _entries(request)
    total = entries.count()
    if total > export_inline_max_rows():
        job = schedule_export(actor=request.user, params=request.GET, total=total)
        return redirect("jobs:job-detail", pk=job.pk)
    audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, reason=f"导出审计日志：{request.GET.urlencode()}")
    writer = csv.writer(_Echo())
    header = csv_header()

    def rows():
        # A BOM so that Excel on Chinese Windows opens the file as UTF-8.
        yield "\ufeff" + writer.writerow(header)
        for row in csv_rows(entries):
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
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
