"""Pages of case records (CAS-1) and their mining (CAS-3): the scoped list, a case, the import
upload, the analysis form, a saved analysis and its xlsx export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import authorize, can, scope
from cases import services
from cases.forms import AnalysisForm, ImportForm
from cases.models import Analysis, CaseRecord, Prescription, Visit
from cases.tasks import IMPORT_JOB_KIND, import_cases
from jobs.models import Job
from jobs.services import job_create
from lib.errors import ApplicationError
from workflow.models import AuditEntry
from workflow.services import audit_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(user):
    return scope(user, "case.view", CaseRecord.objects.all())


@login_required
def case_list(request):
    cases = _visible(request.user)
    if request.GET.get("owner", "").isdigit():
        cases = cases.filter(owner_id=int(request.GET["owner"]))
    if request.GET.get("disease"):
        cases = cases.filter(visits__tcm_disease=request.GET["disease"]).distinct()
    if request.GET.get("syndrome"):
        cases = cases.filter(visits__syndrome=request.GET["syndrome"]).distinct()
    cases = (
        cases.select_related("owner", "organization", "county")
        .annotate(visit_count=Count("visits", distinct=True))
        .order_by("-created_at", "-pk")
    )
    page = Paginator(cases, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "can_import": can(request.user, "case.import"),
        "can_analyze": can(request.user, "case.analyze"),
    }
    return render(request, "cases/list.html", context)


@login_required
def case_detail(request, pk: int):
    case = get_object_or_404(CaseRecord.objects.select_related("owner", "organization", "county"), pk=pk)
    authorize(request.user, "case.view", case)
    visits = (
        Visit.objects.filter(case=case)
        .select_related("tcm_disease_term", "syndrome_term")
        .prefetch_related(Prefetch("prescriptions", Prescription.objects.prefetch_related("items")))
    )
    # Pseudonymised, yet still health data about a person: every view is on the record (OPS-1).
    audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=case, reason="查看病案")
    return render(request, "cases/detail.html", {"case": case, "visits": visits})


@login_required
def import_upload(request):
    authorize(request.user, "case.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_create(owner=request.user, kind=IMPORT_JOB_KIND, title="导入病案", input_file=upload)
        import_cases.enqueue(job_id=job.pk, owner_id=request.user.pk, kind=form.cleaned_data["kind"])
        return redirect("jobs:job-detail", pk=job.pk)
    recent = Job.objects.filter(owner=request.user, kind=IMPORT_JOB_KIND)[:10]
    return render(request, "cases/import.html", {"form": form, "recent": recent})


@login_required
def analysis_create(request):
    authorize(request.user, "case.analyze")
    visible = _visible(request.user)
    subjects = User.objects.filter(pk__in=visible.values("owner_id")).order_by("username")
    form = AnalysisForm(request.POST or None, subjects=subjects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        selection = services.Selection(
            subject_id=data["subject"].pk if data["subject"] else None,
            disease=data["disease"].strip(),
            syndrome=data["syndrome"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        try:
            analysis = services.analysis_run(
                actor=request.user,
                selection=selection,
                min_support=data["min_support"],
                min_confidence=data["min_confidence"],
                max_len=data["max_len"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return redirect("cases:analysis-detail", pk=analysis.pk)
    recent = scope(request.user, "case.analyze", Analysis.objects.all()).select_related("subject")[:20]
    return render(request, "cases/analysis_form.html", {"form": form, "recent": recent})


def _analysis(request, pk: int) -> Analysis:
    analysis = get_object_or_404(Analysis.objects.select_related("subject", "created_by"), pk=pk)
    authorize(request.user, "case.analyze", analysis)
    return analysis


@login_required
def analysis_detail(request, pk: int):
    analysis = _analysis(request, pk)
    return render(request, "cases/analysis_detail.html", {"analysis": analysis, "results": analysis.results})


@login_required
@require_POST
def analysis_rerun(request, pk: int):
    analysis = _analysis(request, pk)
    try:
        again = services.analysis_rerun(analysis=analysis, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("cases:analysis-detail", pk=analysis.pk)
    return redirect("cases:analysis-detail", pk=again.pk)


@login_required
def analysis_export(request, pk: int):
    analysis = _analysis(request, pk)
    audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, obj=analysis, reason="导出处方挖掘结果")
    response = HttpResponse(services.analysis_workbook(analysis), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"处方挖掘分析-{analysis.pk}.xlsx")
    return response
