"""Pages of case records (CAS-1) and their mining (CAS-3): the scoped list, a case, manual entry
and follow-up visits, the import upload, the herb curator's queue (CAS-2), the analysis form, a
saved analysis and its xlsx export, inheritance fidelity, and protocols (MST-4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from accounts.permissions import authorize, can, scope
from cases import selectors, services
from cases.forms import (
    AnalysisForm,
    HerbMappingForm,
    ImportForm,
    PatientForm,
    PrescriptionFormSet,
    ProtocolForm,
    VisitForm,
)
from cases.models import Analysis, CaseImport, CaseRecord, Prescription, Protocol, Visit
from cases.permissions import may_edit_protocol
from cases.tasks import IMPORT_JOB_KIND, import_cases
from chuancheng.errors import errors_to
from jobs.models import Job
from jobs.services import job_create
from lib.params import as_id
from workflow.models import AuditEntry
from workflow.services import audit_record, authorize_moves

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(user):
    return scope(user, "case.view", CaseRecord.objects.all())


@login_required
@require_safe
def case_list(request):
    cases = _visible(request.user)
    if as_id(request.GET.get("owner")) is not None:
        cases = cases.filter(owner_id=as_id(request.GET["owner"]))
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
        "can_create": can(request.user, "case.create"),
        "can_curate": can(request.user, "herb.curate"),
        "can_analyze": can(request.user, "case.analyze"),
    }
    return render(request, "cases/list.html", context)


@login_required
@require_safe
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
    context = {"case": case, "visits": visits, "can_edit": can(request.user, "case.edit", case)}
    return render(request, "cases/detail.html", context)


def _visit_input(visit_form: VisitForm, prescriptions) -> services.VisitInput:
    data = visit_form.cleaned_data
    return services.VisitInput(
        prescriptions=tuple(
            services.PrescriptionInput(
                composition=p.get("composition", ""),
                formula_name=p.get("formula_name", ""),
                decoction=p.get("decoction", ""),
                administration=p.get("administration", ""),
            )
            for p in prescriptions.cleaned_data
            if p
        ),
        **{name: data[name] or ("" if name != "date" else None) for name in VisitForm.base_fields},
    )


class _EntryForms:
    """The entry page's forms as one for errors_to: a service's refusal is shown beside the field
    it names on the patient's or the visit's form, on the first prescription when it names a
    prescription's field (the message numbers the prescription), else at the top of the page."""

    def __init__(self, forms: list, prescriptions):
        self.forms = forms
        self.prescriptions = prescriptions.forms[:1]
        self.fields = {name for form in [*forms, *self.prescriptions] for name in form.fields}

    def add_error(self, field: str | None, message: str) -> None:
        if field in PrescriptionFormSet.form.base_fields and self.prescriptions:
            self.prescriptions[0].add_error(None, message)
            return
        form = next((f for f in self.forms if field in f.fields), self.forms[0])
        form.add_error(field if field in form.fields else None, message)


@login_required
def case_create(request):
    authorize(request.user, "case.create")
    patient = PatientForm(request.POST or None, prefix="patient")
    visit = VisitForm(request.POST or None, prefix="visit")
    prescriptions = PrescriptionFormSet(request.POST or None, prefix="rx")
    if request.method == "POST" and all([patient.is_valid(), visit.is_valid(), prescriptions.is_valid()]):
        data = patient.cleaned_data
        with errors_to(_EntryForms([patient, visit], prescriptions)):
            case, written = services.case_create(
                actor=request.user,
                patient=data["patient"],
                sex=data["sex"] or "",
                age=data["age"],
                county=data["county"],
                kind=data["kind"],
                visit=_visit_input(visit, prescriptions),
            )
            messages.success(
                request, _("已保存 %(patient)s 的第 %(n)s 诊") % {"patient": case.pseudonym, "n": written.number}
            )
            return redirect("cases:case-detail", pk=case.pk)
    context = {"patient": patient, "visit": visit, "prescriptions": prescriptions, "case": None}
    return render(request, "cases/case_form.html", context)


@login_required
def visit_add(request, pk: int):
    case = get_object_or_404(CaseRecord, pk=pk)
    authorize(request.user, "case.edit", case)
    visit = VisitForm(request.POST or None, prefix="visit")
    prescriptions = PrescriptionFormSet(request.POST or None, prefix="rx")
    if request.method == "POST" and visit.is_valid() and prescriptions.is_valid():
        with errors_to(_EntryForms([visit], prescriptions)):
            written = services.visit_add(case=case, actor=request.user, visit=_visit_input(visit, prescriptions))
            messages.success(request, _("已添加第 %(n)s 诊") % {"n": written.number})
            return redirect("cases:case-detail", pk=case.pk)
    context = {"patient": None, "visit": visit, "prescriptions": prescriptions, "case": case}
    return render(request, "cases/case_form.html", context)


@login_required
def herb_queue(request):
    authorize(request.user, "herb.curate")
    form = HerbMappingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            mapping, updated = services.herb_mapping_save(actor=request.user, **form.cleaned_data)
            messages.success(
                request, _("已审定：%(mapping)s；已更新 %(n)s 条药味") % {"mapping": mapping, "n": updated}
            )
            return redirect("cases:herb-queue")
    queue = selectors.herb_queue(_visible(request.user))
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    from lib.herbs import suggestions

    rows = [{**row, "suggestions": suggestions(row["original_name"])} for row in page]
    from cases.models import HerbMapping

    recent = HerbMapping.objects.select_related("created_by")[:20]
    return render(request, "cases/herb_queue.html", {"form": form, "page": page, "rows": rows, "recent": recent})


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
    batches = CaseImport.objects.filter(owner=request.user)[:10]
    context = {"form": form, "recent": recent, "batches": batches, "can_analyze": can(request.user, "case.analyze")}
    return render(request, "cases/import.html", context)


@login_required
def analysis_create(request):
    authorize(request.user, "case.analyze")
    visible = _visible(request.user)
    subjects = User.objects.filter(pk__in=visible.values("owner_id")).order_by("username")
    batches = scope(request.user, "case.view", CaseImport.objects.all())
    # "Analyse this import" links here with ?batch=<id>; an id out of scope is simply not offered.
    initial = {}
    if (batch_id := as_id(request.GET.get("batch"))) is not None:
        initial["batch"] = batches.filter(pk=batch_id).first()
    form = AnalysisForm(request.POST or None, subjects=subjects, batches=batches, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        selection = services.Selection(
            subject_id=data["subject"].pk if data["subject"] else None,
            disease=data["disease"].strip(),
            syndrome=data["syndrome"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
            batch_id=data["batch"].pk if data["batch"] else None,
        )
        with errors_to(form):
            analysis = services.analysis_run(
                actor=request.user,
                selection=selection,
                min_support=data["min_support"],
                min_confidence=data["min_confidence"],
                max_len=data["max_len"],
                clusters=data["clusters"] or 6,
            )
            return redirect("cases:analysis-detail", pk=analysis.pk)
    recent = scope(request.user, "case.analyze", Analysis.objects.all()).select_related("subject")[:20]
    return render(request, "cases/analysis_form.html", {"form": form, "recent": recent})


def _analysis(request, pk: int) -> Analysis:
    analysis = get_object_or_404(Analysis.objects.select_related("subject", "created_by"), pk=pk)
    authorize(request.user, "case.analyze", analysis)
    return analysis


@login_required
@require_safe
def analysis_detail(request, pk: int):
    analysis = _analysis(request, pk)
    context = {
        "analysis": analysis,
        "results": analysis.results,
        "can_draft": can(request.user, "protocol.create"),
        "protocols": analysis.protocols.all()[:10],
    }
    return render(request, "cases/analysis_detail.html", context)


@login_required
@require_POST
def analysis_rerun(request, pk: int):
    analysis = _analysis(request, pk)
    # A refusal (no prescriptions left in the selection) is shown on the analysis page, which the
    # rerun button posts from (the error exit returns to it).
    again = services.analysis_rerun(analysis=analysis, actor=request.user)
    return redirect("cases:analysis-detail", pk=again.pk)


@login_required
@require_safe
def analysis_export(request, pk: int):
    analysis = _analysis(request, pk)
    audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, obj=analysis, reason="导出处方挖掘结果")
    response = HttpResponse(services.analysis_workbook(analysis), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"处方挖掘分析-{analysis.pk}.xlsx")
    return response


# --- inheritance fidelity ---------------------------------------------------------------------------


@login_required
@require_safe
def fidelity(request, apprenticeship: int):
    from apprenticeships.models import Apprenticeship

    relation = get_object_or_404(Apprenticeship.objects.select_related("master__user", "apprentice"), pk=apprenticeship)
    authorize(request.user, "apprenticeship.view", relation)
    result = selectors.fidelity_for(master=relation.master, apprentice=relation.apprentice)
    audit_record(
        action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=relation, reason="查看传承符合度（病案）"
    )
    return render(request, "cases/fidelity.html", {"apprenticeship": relation, "fidelity": result})


# --- protocols (MST-4) ------------------------------------------------------------------------------


@require_safe
def protocol_list(request):
    published = Protocol.objects.filter(version__gt=0).exclude(status=Protocol.Status.WITHDRAWN)
    mine = Protocol.objects.none()
    if request.user.is_authenticated:
        mine = scope(request.user, "protocol.view", Protocol.objects.all()).select_related("owner")[:50]
    published = published.select_related("owner").order_by("-published_at", "-pk")
    page = Paginator(published, 30).get_page(request.GET.get("page"))
    return render(request, "cases/protocol_list.html", {"page": page, "mine": mine})


@login_required
def protocol_create(request, pk: int):
    analysis = _analysis(request, pk)
    authorize(request.user, "protocol.create")
    form = ProtocolForm(request.POST or None, initial=services.protocol_draft_values(analysis))
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            protocol = services.protocol_create(actor=request.user, analysis=analysis, **form.cleaned_data)
            return redirect("cases:protocol-detail", pk=protocol.pk)
    return render(request, "cases/protocol_form.html", {"form": form, "analysis": analysis, "protocol": None})


@require_safe
def protocol_detail(request, pk: int):
    protocol = get_object_or_404(Protocol.objects.select_related("owner", "analysis", "organization"), pk=pk)
    manager = request.user.is_authenticated and can(request.user, "protocol.view", protocol)
    if not manager:
        if not protocol.is_public:
            if request.user.is_authenticated:
                authorize(request.user, "protocol.view", protocol)
            raise Http404
    versions = list(protocol.versions.select_related("analysis", "published_by"))
    shown = versions[0] if versions and not manager else None
    context = {
        "protocol": protocol,
        "content": shown.content if shown else {f: getattr(protocol, f) for f in Protocol.CONTENT_FIELDS},
        "evidence": shown.analysis if shown else protocol.analysis,
        "versions": versions,
        "manager": manager,
        "can_edit": manager and may_edit_protocol(request.user, protocol),
        "can_see_evidence": request.user.is_authenticated and can(request.user, "case.analyze", protocol.analysis),
    }
    return render(request, "cases/protocol_detail.html", context)


@login_required
def protocol_edit(request, pk: int):
    protocol = get_object_or_404(Protocol.objects.select_related("analysis"), pk=pk)
    authorize(request.user, "protocol.edit", protocol)
    form = ProtocolForm(request.POST or None, instance=protocol)
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            services.protocol_update(protocol=protocol, actor=request.user, **form.cleaned_data)
            messages.success(request, _("已保存草稿"))
            return redirect("cases:protocol-detail", pk=protocol.pk)
    return render(
        request, "cases/protocol_form.html", {"form": form, "analysis": protocol.analysis, "protocol": protocol}
    )


@login_required
@require_POST
def protocol_advance(request, pk: int):
    """The protocol's moves before the workflow buttons (POST /audit/move/…): kept for links and
    scripts that post here. The service checks scope (404), the state seen, the table and the act."""
    protocol = get_object_or_404(Protocol, pk=pk)
    authorize_moves(request.user, protocol)
    protocol = services.protocol_move(
        protocol,
        to=request.POST.get("to", ""),
        actor=request.user,
        reason=request.POST.get("reason", "").strip(),
        expect=request.POST.get("expect") or None,
    )
    messages.success(request, _("方案状态：%(state)s") % {"state": protocol.get_status_display()})
    return redirect(protocol)
