"""Pages of the spreadsheet channel: the template download, the import upload and its result,
the error workbook of a refused import (lib/imports: the rows with each bad cell marked, and the
list of errors), and the export of any filtered list."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.models import Organization
from accounts.permissions import authorize
from jobs.models import Job
from jobs.services import job_create
from lib.xlsx import export_inline_max_rows
from techniques.spreadsheets import (
    MAX_ROWS,
    build_template,
    export_filename,
    export_selection,
    staff_organizations,
    technique_export,
)
from techniques.tasks import ERRORS_FILENAME, IMPORT_JOB_KIND, INDEX_JOB_KIND, import_techniques, schedule_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
EXPORT_LIMIT = 100_000


class ImportForm(forms.Form):
    file = forms.FileField(label=_("填好的申报表（.xlsx）"))
    entered_org = forms.ModelChoiceField(label=_("录入单位"), queryset=Organization.objects.none(), empty_label=None)
    submit = forms.BooleanField(
        label=_("导入后直接提交"),
        required=False,
        help_text=_("默认保存为草稿，由本单位核对后再提交；勾选后每一项都按正常规则提交，并进行相似申报比对"),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entered_org"].queryset = organizations

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 50 MB；请拆分为多个文件"))
        return upload


@login_required
@require_safe
def template_download(request):
    authorize(request.user, "technique.create")
    response = HttpResponse(build_template(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, gettext("优势技术申报模板.xlsx"))
    return response


@login_required
def import_upload(request):
    authorize(request.user, "technique.create")
    organizations = staff_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied(_("批量导入由卫生健康部门的工作人员办理；您可以在线填写申报"))
    form = ImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_create(
            owner=request.user,
            kind=IMPORT_JOB_KIND,
            title=(gettext("导入优势技术：%(name)s") % {"name": upload.name})[:200],
            input_file=upload,
        )
        import_techniques.enqueue(
            job_id=job.pk, entered_org_id=form.cleaned_data["entered_org"].pk, submit=form.cleaned_data["submit"]
        )
        return redirect("techniques:import-result", pk=job.pk)
    recent = Job.objects.filter(owner=request.user, kind=IMPORT_JOB_KIND)[:10]
    return render(request, "techniques/import.html", {"form": form, "recent": recent, "max_rows": f"{MAX_ROWS:,}"})


@login_required
@require_safe
def import_result(request, pk: int):
    """The import's progress bar, then its outcome: errors by row, possible duplicates."""
    job = get_object_or_404(Job, pk=pk, owner=request.user, kind=IMPORT_JOB_KIND)
    template = "techniques/import_status.html" if request.headers.get("HX-Request") else "techniques/import_result.html"
    percent = 100 if job.is_finished else job.percent
    result = job.result or {}
    # The rows are committed when the import job succeeds; search catches up in a job of its own.
    index_job = None
    if result.get("index_job_id"):
        index_job = Job.objects.filter(pk=result["index_job_id"], owner=request.user, kind=INDEX_JOB_KIND).first()
    polling = not job.is_finished or (index_job is not None and not index_job.is_finished)
    context = {"job": job, "result": result, "percent": percent, "index_job": index_job, "polling": polling}
    return render(request, template, context)


@login_required
@require_safe
def import_errors(request, pk: int):
    """The refused file's rows with each bad cell marked and commented, and the list of errors."""
    job = get_object_or_404(Job, pk=pk, owner=request.user, kind=IMPORT_JOB_KIND)
    if not job.output_file:
        raise Http404
    return FileResponse(job.output_file.open("rb"), as_attachment=True, filename=ERRORS_FILENAME, content_type=XLSX)


@login_required
@require_safe
def export(request):
    """A selection of up to EXPORT_INLINE_MAX_ROWS rows comes back at once; a larger one is written
    by a background job, whose progress page the person is sent to (issue 13 §14)."""
    results = export_selection(actor=request.user, params=request.GET)
    count = results.count()
    if count > EXPORT_LIMIT:
        messages.error(
            request,
            gettext("筛选结果共 %(count)s 项，超过单次导出上限 %(limit)s 项；请增加筛选条件后再导出")
            % {"count": f"{count:,}", "limit": f"{EXPORT_LIMIT:,}"},
        )
        return redirect(f"{reverse('techniques:manage-list')}?{request.GET.urlencode()}")
    if count > export_inline_max_rows():
        job = schedule_export(actor=request.user, params=request.GET, total=count)
        return redirect("jobs:job-detail", pk=job.pk)
    target = tempfile.TemporaryFile()
    technique_export(actor=request.user, params=request.GET, target=target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=export_filename(), content_type=XLSX)
