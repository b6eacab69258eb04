"""Pages of the apprentice application, its review, matching and the contract. Each view parses
input, checks permission, calls one service and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.permissions import authorize, can, scope
from apprenticeships import permissions, selectors, services
from apprenticeships.forms import (
    ApplicationForm,
    DecideForm,
    DecisionForm,
    DocumentForm,
    ExemptionForm,
    SignForm,
    StatusFilterForm,
    VetForm,
)
from apprenticeships.models import (
    ApplicationDocument,
    ApprenticeApplication,
    Apprenticeship,
    ContractSignature,
    DocumentReview,
    IntendedMaster,
    Match,
)
from apprenticeships.rules import check_application, facts_for
from chuancheng.errors import errors_to
from lib import files
from masters.models import Master
from workflow.models import AuditEntry
from workflow.services import move_act


def _history(model_name: str, pk: int):
    return (
        AuditEntry.objects.filter(
            content_type__app_label="apprenticeships", content_type__model=model_name, object_id=str(pk)
        )
        .exclude(action=AuditEntry.Action.VIEW_PERSONAL)
        .select_related("actor")
        .order_by("created_at", "pk")[:300]
    )


# --- the application -----------------------------------------------------------------------------


def _form_page(request, form, application=None):
    if request.method == "POST" and "save" in request.POST and form.is_valid():
        fields = form.service_fields()
        with errors_to(form):
            if application is None:
                application = services.apprentice_application_create(actor=request.user, **fields)
            else:
                application = services.apprentice_application_update(
                    application=application, actor=request.user, **fields
                )
        if not form.errors:
            messages.success(request, _("申请已保存为草稿。请上传材料，核对申请条件后提交。"))
            return redirect("apprenticeships:application-detail", pk=application.pk)
    return render(
        request,
        "apprenticeships/application_form.html",
        {"form": form, "application": application, "master_query": request.GET.get("master_q", "")},
    )


@login_required
def application_create(request):
    preselect = (
        Master.objects.filter(pk=request.GET.get("master"), status=Master.Status.CERTIFIED)
        if (request.GET.get("master", "").isdigit())
        else []
    )
    form = ApplicationForm(
        request.POST or None, user=request.user, master_query=request.GET.get("master_q", ""), preselect=preselect
    )
    return _form_page(request, form)


@login_required
def application_edit(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    authorize(request.user, "apprentice_application.submit", application)
    if not permissions.is_applicant(request.user, application):
        raise PermissionDenied(_("只有申请人本人可以修改申请"))
    if not permissions.may_edit_application(request.user, application):
        messages.error(request, _("申请处于「%(state)s」状态，不能修改") % {"state": application.get_status_display()})
        return redirect("apprenticeships:application-detail", pk=application.pk)
    form = ApplicationForm(
        request.POST or None, instance=application, user=request.user, master_query=request.GET.get("master_q", "")
    )
    return _form_page(request, form, application)


LIST_RELATED = ("organization", "region")


@login_required
@require_safe
def application_list(request):
    """The person's own applications, and every one their units may see, with the queue filters."""
    visible = scope(request.user, "apprentice_application.view", ApprenticeApplication.objects.all())
    rows = (
        selectors.filter_applications(visible, request.GET).select_related(*LIST_RELATED).order_by("-updated_at", "-pk")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "apprenticeships/application_list.html",
        {
            "page": page,
            "status_filter": StatusFilterForm(request.GET, choices=ApprenticeApplication.Status.choices),
            "can_import": can(request.user, "apprentice_application.import"),
        },
    )


def _detail_queryset():
    return ApprenticeApplication.objects.select_related(
        *LIST_RELATED, "applicant", "recommending_organization", "entered_by_organization"
    ).prefetch_related(
        Prefetch("intents", queryset=IntendedMaster.objects.select_related("master__organization")),
        Prefetch(
            "documents",
            queryset=ApplicationDocument.objects.prefetch_related(
                Prefetch("reviews", queryset=DocumentReview.objects.select_related("reviewer"))
            ),
        ),
    )


@login_required
@require_safe
def application_detail(request, pk: int):
    application = get_object_or_404(_detail_queryset(), pk=pk)
    authorize(request.user, "apprentice_application.view", application)
    services.application_viewed(viewer=request.user, application=application)
    user = request.user
    editable = permissions.may_edit_application(user, application)
    documents = services.current_documents(application)
    masters = [i.master for i in application.intents.all()]
    context = {
        "application": application,
        "documents": documents,
        "superseded": [d for d in application.documents.all() if d.superseded],
        "intents": application.intents.all(),
        "decisions": check_application(application, masters),
        "facts": facts_for(application),
        "problems": services.submission_problems(application) if editable else [],
        "exemptions": application.exemptions.select_related("decided_by"),
        "can_edit": editable,
        "can_exempt": permissions.may_decide_exemption(user, application),
        "vet_form": VetForm(documents=documents) if permissions.may_vet(user, application) else None,
        "can_propose": permissions.may_propose_match(user, application),
        "matches": application.matches.select_related("master").order_by("proposed_at"),
        "document_form": DocumentForm() if editable else None,
        "history": _history("apprenticeapplication", application.pk),
    }
    if context["can_propose"]:
        context["suggestions"] = selectors.match_suggestions(application)
        # Beyond the suggestions: any master the applicant qualifies for and who has room.
        context["propose_query"] = request.GET.get("propose_q", "")[:50]
        context["found"] = selectors.search_proposable(application, context["propose_query"])
    context["can_change_intention"] = permissions.may_change_intention(user, application)
    if context["can_change_intention"]:
        context["intent_query"] = request.GET.get("intent_q", "")[:50]
        context["intent_choices"] = (
            selectors.search_proposable(application, context["intent_query"])
            if context["intent_query"]
            else [s.master for s in selectors.match_suggestions(application)]
        )
    return render(request, "apprenticeships/application_detail.html", context)


def _back(request, application):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("apprenticeships:application-detail", pk=application.pk)


@login_required
@require_POST
def document_add(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    permissions.check_applicant(request.user, application)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择材料类别并选择文件"))
        return _back(request, application)
    document = services.apprentice_document_add(
        application=application,
        actor=request.user,
        kind=form.cleaned_data["kind"],
        upload=form.cleaned_data["file"],
    )
    messages.success(request, _("已上传「%(kind)s」") % {"kind": document.get_kind_display()})
    return _back(request, application)


@login_required
@require_safe
def document_download(request, pk: int):
    document = get_object_or_404(ApplicationDocument.objects.select_related("application"), pk=pk)
    authorize(request.user, "apprentice_application.view", document.application)
    services.application_viewed(
        viewer=request.user, application=document.application, what=f"查看申请材料：{document.get_kind_display()}"
    )
    return files.serve_file(document.file, content_type=document.content_type, download_name=document.original_name)


# The buttons of the application's page post to workflow:move; these URLs stay for the links and
# clients that use them, through the same services.


def _expect(request) -> str | None:
    expect = request.POST.get("expect", "")
    return expect if expect in ApprenticeApplication.Status.values else None


@login_required
@require_POST
def application_submit(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    services.apprentice_application_submit(application=application, actor=request.user, expect=_expect(request))
    messages.success(request, _("申请已提交，等待承办单位初审。"))
    return redirect("apprenticeships:application-detail", pk=pk)


@login_required
@require_POST
def application_withdraw(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    services.apprentice_application_withdraw(
        application=application,
        actor=request.user,
        reason=request.POST.get("reason", "")[:500],
        expect=_expect(request),
    )
    messages.success(request, _("申请已撤回。"))
    return redirect("apprenticeships:application-detail", pk=pk)


@login_required
@require_POST
def exemption_decide(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    authorize(request.user, "apprentice_application.exempt", application)
    form = ExemptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("豁免决定必须选择同意或不同意，并填写理由"))
        return redirect("apprenticeships:application-detail", pk=pk)
    services.apprentice_exemption_decide(application=application, actor=request.user, **form.cleaned_data)
    messages.success(request, _("豁免决定已记录。"))
    return redirect("apprenticeships:application-detail", pk=pk)


@login_required
@require_POST
def application_vet(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    authorize(request.user, move_act(ApprenticeApplication, ApprenticeApplication.Status.VETTED), application)
    form = VetForm(request.POST, documents=services.current_documents(application))
    form.is_valid()
    services.apprentice_application_vet(
        application=application,
        actor=request.user,
        verdicts=form.verdicts(),
        comment=form.cleaned_data.get("comment", ""),
    )
    messages.success(request, _("初审结论已记录：%(state)s") % {"state": application.get_status_display()})
    return redirect("apprenticeships:application-detail", pk=pk)


@login_required
@require_POST
def application_decide(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    authorize(request.user, move_act(ApprenticeApplication, ApprenticeApplication.Status.APPROVED), application)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论"))
        return _back(request, application)
    services.apprentice_application_approve(
        application=application, actor=request.user, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("审核结论已记录：%(state)s") % {"state": application.get_status_display()})
    return _back(request, application)


@login_required
@require_POST
def match_propose(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    authorize(request.user, "apprentice_match.propose", application)
    master = get_object_or_404(
        Master, pk=request.POST.get("master") if str(request.POST.get("master", "")).isdigit() else 0
    )
    services.apprentice_match_propose(application=application, master=master, actor=request.user)
    messages.success(request, _("已推荐给传承人「%(name)s」，等待其确认。") % {"name": master.name})
    return redirect("apprenticeships:application-detail", pk=pk)


@login_required
@require_POST
def intention_change(request, pk: int):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    permissions.check_applicant(request.user, application)
    # In the order they were ticked: the first is the first choice.
    ids = [int(v) for v in request.POST.getlist("masters") if v.isdigit()][: services.MAX_INTENDED + 1]
    found = Master.objects.in_bulk(ids)
    masters = [found[i] for i in ids if i in found]
    services.apprentice_intention_change(application=application, actor=request.user, masters=masters)
    messages.success(request, _("意向传承人已更改，等待承办单位推荐。"))
    return redirect("apprenticeships:application-detail", pk=pk)


# --- the reviewer's queue ------------------------------------------------------------------------


@login_required
@require_safe
def review_queue(request):
    """One queue per stage the person works, with filters and batch actions."""
    stages = [(status, act, label) for status, act, label in selectors.STAGES if can(request.user, act)]
    if not stages:
        authorize(request.user, "apprentice_application.vet")
    wanted = request.GET.get("stage") or stages[0][0]
    current = next((s for s in stages if s[0] == wanted), stages[0])
    status, act, _label = current
    rows = scope(request.user, act, ApprenticeApplication.objects.filter(status=status))
    params = {k: v for k, v in request.GET.items() if k != "status"}
    rows = selectors.filter_applications(rows, params).select_related(*LIST_RELATED).order_by("submitted_at", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    intents = IntendedMaster.objects.filter(application__in=[a.pk for a in page]).select_related("master")
    by_application: dict[int, list] = {}
    for intent in intents:
        by_application.setdefault(intent.application_id, []).append(intent.master)
    for a in page:
        a.intended = by_application.get(a.pk, [])
    tabs = [(s, label, s == status) for s, _act, label in stages]
    return render(
        request,
        "apprenticeships/review_queue.html",
        {"tabs": tabs, "current": current, "page": page, "batch": BATCH_ACTIONS.get(status, [])},
    )


# The decisions the queue offers for many applications at once, each then made one by one by the
# same service as a single decision. A page's choice, not the table's: vetting in bulk passes every
# document, and nothing is rejected in bulk.
BATCH_ACTIONS = {
    ApprenticeApplication.Status.SUBMITTED: [
        (ApprenticeApplication.Status.VETTED, gettext_lazy("全部材料通过（批量初审）"))
    ],
    ApprenticeApplication.Status.VETTED: [
        (ApprenticeApplication.Status.APPROVED, gettext_lazy("批量审核通过")),
        (ApprenticeApplication.Status.RETURNED, gettext_lazy("批量退回修改")),
    ],
}


@login_required
@require_POST
def review_batch(request):
    """Batch actions on ticked rows; each row goes through the same service as a single decision,
    so each is checked, audited and notified — and one row's refusal does not undo the others.
    The rows are named by the input: the gate is the role of one of the queue's stages."""
    if not any(can(request.user, act) for _status, act, _label in selectors.STAGES):
        authorize(request.user, "apprentice_application.vet")
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:100]
    to = request.POST.get("to", "")
    reason = request.POST.get("reason", "")[:1000]
    stage = request.POST.get("stage", "")
    if not ids:
        messages.error(request, _("请先勾选要办理的申请"))
        return redirect(f"{reverse('apprenticeships:review-queue')}?stage={stage}")
    done, failed = services.application_batch_decide(application_ids=ids, actor=request.user, to=to, reason=reason)
    if done:
        messages.success(request, _("已办理 %(n)s 份申请。") % {"n": done})
    if failed:
        messages.error(request, _("以下申请未办理：") + "；".join(failed))
    return redirect(f"{reverse('apprenticeships:review-queue')}?stage={stage}")


# --- matching and the contract -------------------------------------------------------------------


def _match(pk: int, user) -> Match:
    match = get_object_or_404(
        Match.objects.select_related(
            "application__organization", "application__applicant", "master__organization", "master__user"
        ),
        pk=pk,
    )
    if not permissions.may_view_match(user, match):
        authorize(user, "apprentice_match.view", match)
    return match


@login_required
@require_safe
def match_detail(request, pk: int):
    match = _match(pk, request.user)
    services.application_viewed(viewer=request.user, application=match.application, what="师承匹配")
    context = {
        "match": match,
        "application": match.application,
        "signatures": list(match.signatures.select_related("signer")),
        "remaining": services.remaining_capacity(match.master),
        "sign_form": SignForm() if permissions.may_sign_contract(request.user, match) else None,
        "history": _history("match", match.pk),
    }
    return render(request, "apprenticeships/match_detail.html", context)


@login_required
@require_POST
def match_decide(request, pk: int):
    match = _match(pk, request.user)
    authorize(request.user, "apprentice_match.decide", match)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择接受或谢绝"))
        return redirect("apprenticeships:match-detail", pk=pk)
    services.apprentice_match_decide(match=match, actor=request.user, **form.cleaned_data)
    messages.success(request, _("已接受，合同书已生成，请签署。") if form.cleaned_data["accept"] else _("已谢绝。"))
    return redirect("apprenticeships:match-detail", pk=pk)


@login_required
@require_POST
def match_sign(request, pk: int):
    match = _match(pk, request.user)
    authorize(request.user, "apprentice_contract.sign", match)
    form = SignForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("apprenticeships:match-detail", pk=pk)
    services.apprentice_contract_sign(match=match, actor=request.user, scan=form.cleaned_data.get("scan"))
    if match.status == Match.Status.SIGNED:
        messages.success(request, _("双方均已签署，师徒关系已建立。"))
    else:
        messages.success(request, _("您已签署合同，等待对方签署。"))
    return redirect("apprenticeships:match-detail", pk=pk)


@login_required
@require_safe
def match_contract(request, pk: int):
    match = _match(pk, request.user)
    # The platform made this PDF itself (services._render_contract).
    return files.serve_file(
        match.contract,
        content_type=files.PDF,
        download_name=_("师承关系合同书-%(number)s") % {"number": match.contract_number},
    )


@login_required
@require_safe
def signature_scan(request, pk: int):
    signature = get_object_or_404(ContractSignature, pk=pk)
    _match(signature.match_id, request.user)
    return files.serve_file(
        signature.scan,
        content_type=signature.scan_type,
        download_name=_("签字扫描件-%(party)s") % {"party": signature.get_party_display()},
    )


@login_required
@require_safe
def apprenticeship_list(request):
    """Apprenticeships the person is party to or whose unit may see."""
    visible = scope(request.user, "apprenticeship.view", Apprenticeship.objects.all())
    status_filter = StatusFilterForm(request.GET, choices=Apprenticeship.Status.choices)
    status = status_filter.chosen()
    if status:
        visible = visible.filter(status=status)
    rows = visible.select_related("master", "apprentice", "organization", "match").order_by("-starts_on", "-pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "apprenticeships/apprenticeship_list.html", {"page": page, "status_filter": status_filter})


@login_required
@require_GET
def apprenticeship_detail(request, pk: int):
    """The relationship itself: its parties, term, contract and history, and the host unit's
    moves (ending it early; graduation links to the graduation page)."""
    apprenticeship = get_object_or_404(
        Apprenticeship.objects.select_related("master__user", "apprentice", "organization", "region"), pk=pk
    )
    authorize(request.user, "apprenticeship.view", apprenticeship)
    match = Match.objects.filter(apprenticeship=apprenticeship).first()
    context = {
        "apprenticeship": apprenticeship,
        "match": match,
        "history": _history("apprenticeship", apprenticeship.pk),
    }
    return render(request, "apprenticeships/apprenticeship_detail.html", context)
