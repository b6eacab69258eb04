"""Pages of teaching and graduation. Each view parses, checks, calls one service, renders.

A refused POST needs no handling here: chuancheng.errors shows the service's message on the page it
came from. The buttons for moves come from the tables ({% moves obj %}); the other rules a page
asks are teaching.permissions' predicates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import authorize, scope
from apprenticeships.models import Apprenticeship
from cases.selectors import fidelity_for
from chuancheng.errors import errors_to
from lib import files
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from lib.params import as_id
from teaching import permissions, quotas, selectors, services
from teaching.forms import ActivityForm, DecideForm, GraduationItemForm, PlanForm
from teaching.models import Activity, Graduation, GraduationItem, TeachingPlan
from teaching.quotas import Category
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

RELATED = ("master", "apprentice", "organization")


def _apprenticeship(request, pk: int) -> Apprenticeship:
    apprenticeship = get_object_or_404(Apprenticeship.objects.select_related(*RELATED, "master__user"), pk=pk)
    authorize(request.user, "teaching.view", apprenticeship)
    return apprenticeship


def _viewed(request, apprenticeship: Apprenticeship, what: str) -> None:
    """An apprentice's record is personal data: views by anyone but its two parties are logged."""
    if permissions.party_of(request.user, apprenticeship) is None:
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=apprenticeship, reason=what)


def _back(request, default: str):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/teaching/") else default)


def _chosen(request, values) -> str:
    value = request.GET.get("status", "")
    return value if value in values else ""


def _expect(request, model) -> str | None:
    """The state the page showed (a hidden field of the form), when it names one."""
    value = request.POST.get("expect", "")
    return value if value in model.Status.values else None


# --- lists ---------------------------------------------------------------------------------------


@login_required
@require_safe
def apprenticeship_list(request):
    """The apprenticeships this person teaches, learns in or oversees, with their progress."""
    visible = scope(request.user, "teaching.view", Apprenticeship.objects.all())
    status = _chosen(request, Apprenticeship.Status.values)
    if status:
        visible = visible.filter(status=status)
    rows = visible.select_related(*RELATED, "plan").order_by("-starts_on", "-pk")
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    progress = selectors.progress_for_many(page.object_list)
    return render(
        request,
        "teaching/list.html",
        {
            "page": page,
            "rows": [(a, progress[a.pk]) for a in page.object_list],
            "statuses": Apprenticeship.Status.choices,
            "chosen_status": status,
        },
    )


@login_required
@require_safe
def confirm_queue(request):
    """The master's activities waiting for confirmation, across all their apprentices."""
    pending = selectors.hours_waiting(request.user)
    wanted = as_id(request.GET.get("apprenticeship"))
    if wanted is not None:
        pending = pending.filter(apprenticeship_id=wanted)
    pending = pending.select_related("apprenticeship__apprentice").order_by("date", "pk")
    page = CappedPaginator(pending, 100).get_page(request.GET.get("page"))
    return render(request, "teaching/confirm_queue.html", {"page": page})


# --- progress and the plan -----------------------------------------------------------------------


@login_required
@require_safe
def progress(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    _viewed(request, apprenticeship, "带教进度")
    figures = selectors.progress_for(apprenticeship)
    plan = TeachingPlan.objects.filter(apprenticeship=apprenticeship).first()
    recent = Activity.objects.filter(apprenticeship=apprenticeship).order_by("-date", "-pk")[:10]
    context = {
        "apprenticeship": apprenticeship,
        "progress": figures,
        "plan": plan,
        "recent": recent,
        "ending": selectors.ending(apprenticeship),
        "blockers": selectors.graduation_blockers(apprenticeship, figures),
        "may_log": permissions.may_log_activity(request.user, apprenticeship, plan),
        "may_confirm": permissions.may_confirm_hours(request.user, apprenticeship),
        "clause": quotas.CLAUSE,
    }
    return render(request, "teaching/progress.html", context)


@login_required
def plan(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    plan = TeachingPlan.objects.filter(apprenticeship=apprenticeship).select_related("agreed_by").first()
    form = None
    if permissions.may_edit_plan(request.user, apprenticeship, plan):
        initial = {f"planned_{c}": q for c, q in quotas.QUOTAS[apprenticeship.term].items()}
        form = PlanForm(request.POST or None, instance=plan, initial=None if plan else initial)
        if request.method == "POST" and form.is_valid():
            with errors_to(form):
                services.plan_save(apprenticeship=apprenticeship, actor=request.user, **form.service_fields())
            if not form.errors:
                messages.success(request, _("传承计划已保存。提交后由主办单位确认。"))
                return redirect("teaching:plan", pk=apprenticeship.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("传承计划当前不能修改"))
    history = []
    if plan is not None:
        history = (
            AuditEntry.objects.filter(
                content_type__app_label="teaching", content_type__model="teachingplan", object_id=str(plan.pk)
            )
            .select_related("actor")
            .order_by("created_at")[:100]
        )
    context = {
        "apprenticeship": apprenticeship,
        "plan": plan,
        "form": form,
        "quota_rows": [
            (c.label, quotas.QUOTAS[apprenticeship.term][c], plan.planned(c.value) if plan else None) for c in Category
        ],
        "total": quotas.TOTALS[apprenticeship.term],
        "clause": quotas.CLAUSE,
        "history": history,
    }
    return render(request, "teaching/plan.html", context)


@login_required
@require_POST
def plan_submit(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    permissions.check_party(request.user, apprenticeship, "teaching.plan_submit")
    plan = get_object_or_404(TeachingPlan, apprenticeship=apprenticeship)
    services.plan_submit(plan=plan, actor=request.user, expect=_expect(request, TeachingPlan))
    messages.success(request, _("传承计划已提交，等待主办单位确认。"))
    return redirect("teaching:plan", pk=pk)


@login_required
@require_POST
def plan_decide(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    plan = get_object_or_404(TeachingPlan, apprenticeship=apprenticeship)
    authorize(request.user, "teaching.plan_agree", plan)
    agree = request.POST.get("decision") == "agree"
    services.plan_decide(
        plan=plan,
        actor=request.user,
        agree=agree,
        reason=request.POST.get("reason", ""),
        expect=_expect(request, TeachingPlan),
    )
    messages.success(request, _("传承计划已确认。") if agree else _("传承计划已退回传承人修改。"))
    return redirect("teaching:plan", pk=pk)


# --- activities ----------------------------------------------------------------------------------


@login_required
@require_safe
def activity_list(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    _viewed(request, apprenticeship, "带教活动记录")
    rows = Activity.objects.filter(apprenticeship=apprenticeship)
    status, category = _chosen(request, Activity.Status.values), request.GET.get("category", "")
    if status:
        rows = rows.filter(status=status)
    if category in Category.values:
        rows = rows.filter(category=category)
    page = CappedPaginator(rows.order_by("-date", "-pk"), 50).get_page(request.GET.get("page"))
    plan = TeachingPlan.objects.filter(apprenticeship=apprenticeship).only("status").first()
    context = {
        "apprenticeship": apprenticeship,
        "page": page,
        "statuses": Activity.Status.choices,
        "chosen_status": status,
        "categories": Category.choices,
        "may_confirm": permissions.may_confirm_hours(request.user, apprenticeship),
        "may_log": permissions.may_log_activity(request.user, apprenticeship, plan),
    }
    return render(request, "teaching/activity_list.html", context)


@login_required
def activity_create(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    plan = TeachingPlan.objects.filter(apprenticeship=apprenticeship).only("status").first()
    permissions.refuse(permissions.activity_log_refusal(request.user, apprenticeship, plan))
    form = ActivityForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            services.activity_log(apprenticeship=apprenticeship, actor=request.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("带教活动已登记，等待传承人确认。"))
            return redirect("teaching:activity-list", pk=pk)
    return render(
        request,
        "teaching/activity_form.html",
        {"apprenticeship": apprenticeship, "form": form, "online_clause": quotas.ONLINE_CLAUSE_TEXT},
    )


@login_required
@require_POST
def activity_decide(request, activity_pk: int):
    activity = get_object_or_404(Activity.objects.select_related("apprenticeship"), pk=activity_pk)
    authorize(request.user, "teaching.view", activity.apprenticeship)
    permissions.check_party(request.user, activity.apprenticeship, "teaching.activity_decide")
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择确认或不予确认"))
    else:
        confirm = form.cleaned_data["decision"] == "confirm"
        services.activity_decide(
            activity=activity,
            actor=request.user,
            confirm=confirm,
            reason=form.cleaned_data["reason"],
            expect=_expect(request, Activity),
        )
        messages.success(request, _("课时已确认。") if confirm else _("已不予确认，师承人将看到原因。"))
    return _back(request, reverse("teaching:activity-list", args=[activity.apprenticeship_id]))


@login_required
@require_POST
def activity_batch(request):
    """Confirming many activities at once stays one form: each row's move is made in one step."""
    permissions.check_teaches(request.user)
    form = DecideForm(request.POST)
    ids = [i for i in request.POST.getlist("activities") if i.isdigit()]
    if not form.is_valid():
        messages.error(request, _("请选择确认或不予确认"))
    else:
        confirm = form.cleaned_data["decision"] == "confirm"
        n = services.activity_decide_batch(
            activity_ids=ids, actor=request.user, confirm=confirm, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            (_("已确认 %(n)s 条带教活动。") if confirm else _("已不予确认 %(n)s 条带教活动。")) % {"n": n},
        )
    return _back(request, reverse("teaching:confirm-queue"))


def _file_response(request, apprenticeship: Apprenticeship, field, *, content_type: str, what: str, name: str):
    """A stored file, with the type stored at upload (lib.files: never inline unless it is an
    image, a PDF or a video, and never able to run script)."""
    if not field:
        raise Http404
    _viewed(request, apprenticeship, what)
    return files.serve_file(field, content_type=content_type, download_name=name)


@login_required
@require_safe
def activity_evidence(request, activity_pk: int):
    activity = get_object_or_404(Activity.objects.select_related("apprenticeship__master"), pk=activity_pk)
    authorize(request.user, "teaching.view", activity.apprenticeship)
    return _file_response(
        request,
        activity.apprenticeship,
        activity.evidence,
        content_type=activity.evidence_type,
        what=f"佐证材料 #{activity.pk}",
        name=_("佐证材料-%(pk)s") % {"pk": activity.pk},
    )


# --- graduation ----------------------------------------------------------------------------------


@login_required
@require_safe
def graduation(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    _viewed(request, apprenticeship, "结业材料")
    record = Graduation.objects.filter(apprenticeship=apprenticeship).select_related("assessed_by").first()
    items = list(record.items.all()) if record else []
    figures = selectors.progress_for(apprenticeship)
    # The assessment and the certificate are moves made on this page's own forms (they need
    # scores, or issue a certificate): shown when the tables give this person that move.
    assessing = bool(record) and any(m.to in Graduation.ASSESSMENT for m in workflow.moves(record, request.user))
    issuing = any(m.to == Apprenticeship.Status.GRADUATED for m in workflow.moves(apprenticeship, request.user))
    certificate = None
    if not apprenticeship.is_active:
        from certificates.models import Certificate

        certificate = Certificate.objects.filter(
            kind=Certificate.Kind.APPRENTICE, object_id=apprenticeship.pk, content_type__model="apprenticeship"
        ).first()
    may_edit = permissions.may_edit_materials(request.user, apprenticeship, record)
    context = {
        "apprenticeship": apprenticeship,
        "graduation": record,
        "items": items,
        "kinds": GraduationItem.Kind.choices,
        "item_form": GraduationItemForm() if may_edit else None,
        "assessing": assessing,
        "issuing": issuing,
        "progress": figures,
        "blockers": selectors.graduation_blockers(apprenticeship, figures),
        "certificate": certificate,
        # Issue 6 §6: how closely the apprentice's prescriptions follow the master's core
        # combinations — read by the master when assessing. Viewing this page is already
        # authorized and logged above.
        "fidelity": fidelity_for(master=apprenticeship.master, apprentice=apprenticeship.apprentice),
        # Before the term's end: why the materials cannot go in yet, and who may let them.
        "term_refusal": permissions.term_refusal(apprenticeship, record) if apprenticeship.is_active else None,
        "may_allow_early": permissions.may_allow_early(request.user, apprenticeship, record),
    }
    return render(request, "teaching/graduation.html", context)


@login_required
@require_POST
def graduation_item_add(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    permissions.check_party(request.user, apprenticeship, "teaching.graduation_edit")
    form = GraduationItemForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request, "；".join(f"{form.fields[f].label}：{e}" for f, errs in form.errors.items() for e in errs)
        )
    else:
        data = form.cleaned_data
        services.graduation_item_add(
            apprenticeship=apprenticeship,
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            upload=data["file"],
        )
        messages.success(request, _("结业材料已添加。"))
    return redirect("teaching:graduation", pk=pk)


@login_required
@require_POST
def graduation_item_remove(request, item_pk: int):
    item = get_object_or_404(GraduationItem.objects.select_related("graduation__apprenticeship"), pk=item_pk)
    apprenticeship = item.graduation.apprenticeship
    authorize(request.user, "teaching.view", apprenticeship)
    services.graduation_item_remove(item=item, actor=request.user)
    messages.success(request, _("已删除该份材料。"))
    return redirect("teaching:graduation", pk=apprenticeship.pk)


@login_required
@require_safe
def graduation_item_file(request, item_pk: int):
    item = get_object_or_404(GraduationItem.objects.select_related("graduation__apprenticeship__master"), pk=item_pk)
    apprenticeship = item.graduation.apprenticeship
    authorize(request.user, "teaching.view", apprenticeship)
    return _file_response(
        request,
        apprenticeship,
        item.file,
        content_type=item.file_type,
        what=f"结业材料 #{item.pk}",
        name=_("结业材料-%(pk)s") % {"pk": item.pk},
    )


@login_required
@require_POST
def graduation_submit(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    services.graduation_submit(apprenticeship=apprenticeship, actor=request.user, expect=_expect(request, Graduation))
    messages.success(request, _("结业材料已提交，等待传承人考核。"))
    return redirect("teaching:graduation", pk=pk)


@login_required
@require_POST
def graduation_early(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    services.graduation_early_allow(
        apprenticeship=apprenticeship, actor=request.user, reason=request.POST.get("reason", "")[:1000]
    )
    messages.success(request, _("已批准提前提交结业材料，理由已记录。"))
    return redirect("teaching:graduation", pk=pk)


def _int(value: str | None):
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else value or None


def _passed(value: str | None):
    return {"1": True, "0": False}.get(value or "")


@login_required
@require_POST
def graduation_assess(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    permissions.check_party(request.user, apprenticeship, "teaching.graduation_assess")
    record = get_object_or_404(Graduation, apprenticeship=apprenticeship)
    post = request.POST
    items = {
        item_pk: services.ItemAssessment(
            score=_int(post.get(f"item-{item_pk}-score")),
            passed=_passed(post.get(f"item-{item_pk}-passed")),
            comment=post.get(f"item-{item_pk}-comment", ""),
        )
        for item_pk in record.items.values_list("pk", flat=True)
    }
    passed = _passed(post.get("passed"))
    if passed is None:
        raise ApplicationError(_("考核结论：请选择通过或不通过"), field="passed")
    services.graduation_assess(
        graduation=record,
        actor=request.user,
        items=items,
        score=_int(post.get("score")),
        comment=post.get("comment", ""),
        passed=passed,
        expect=_expect(request, Graduation),
    )
    messages.success(request, _("出师考核结果已记录。"))
    return redirect("teaching:graduation", pk=pk)


@login_required
@require_POST
def graduation_issue(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    certificate = services.graduation_certificate_issue(
        apprenticeship=apprenticeship, actor=request.user, expect=_expect(request, Apprenticeship)
    )
    messages.success(request, _("师承证书已颁发，编号 %(number)s。") % {"number": certificate.number})
    return redirect("teaching:graduation", pk=pk)
