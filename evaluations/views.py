"""Pages of the evaluation itself: the list, opening, the evaluation page (panel, evidence,
scores, conclusion, decision), the expert's queue, invitations and the score sheet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import authorize, can, scope
from evaluations import forms, selectors, services
from evaluations.models import (
    Assignment,
    EfficacyRecord,
    Evaluation,
    ExpertProfile,
    FollowUp,
    PanelConclusion,
    Rubric,
    Score,
)
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from techniques.models import Technique, Term, Vocabulary
from workflow.models import AuditEntry

Status = Evaluation.Status
LIST_RELATED = ("technique__region", "technique__category", "batch")


def _done(request, pk: int, form, call, success: str):
    """Validate the form, call one service, say what happened, back to the evaluation."""
    if not form.is_valid():
        messages.error(request, forms.errors_text(form))
    else:
        try:
            call(form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
    return redirect("evaluations:detail", pk=pk)


# --- list and opening -------------------------------------------------------------------------------


@login_required
def evaluation_list(request):
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    status = request.GET.get("status", "")
    if status in Status.values:
        visible = visible.filter(status=status)
    if request.GET.get("flagged") == "1":
        visible = visible.filter(flagged=True)
    page = CappedPaginator(visible.select_related(*LIST_RELATED).order_by("-opened_at", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    waiting = selectors.waiting_counts(list(page.object_list))
    rows = [(e, selectors.next_actor(e, waiting.get(e.pk))) for e in page.object_list]
    return render(
        request,
        "evaluations/list.html",
        {"page": page, "rows": rows, "statuses": Status.choices, "can_open": can(request.user, "evaluation.open")},
    )


@login_required
def evaluation_open(request):
    authorize(request.user, "evaluation.open")
    form = forms.OpenForm(request.POST or None)
    candidates = scope(
        request.user,
        "technique.view",
        Technique.objects.filter(status__in=[Technique.Status.ACCEPTED, Technique.Status.PUBLISHED]),
    ).exclude(evaluations__status__in=services.OPEN_STATUSES)
    query = (request.GET.get("q") or "").strip()[:50]
    if query:
        candidates = candidates.filter(name__contains=query)
    if (request.GET.get("category") or "").isdigit():
        candidates = candidates.filter(category_id=int(request.GET["category"]))
    chosen = [int(v) for v in request.POST.getlist("techniques") if v.isdigit()]
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = services.evaluation_open(
                    actor=request.user,
                    techniques=list(Technique.objects.filter(pk__in=chosen)),
                    rubric=data["rubric"],
                    grade_scale=data["grade_scale"],
                    deadline=data["deadline"],
                    tcm_count=data["tcm_count"],
                    western_count=data["western_count"],
                    disagreement_spread=data["disagreement_spread"],
                    title=data["title"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已发起 %(n)d 项技术的价值评估") % {"n": len(opened)})
                if len(opened) == 1:
                    return redirect("evaluations:detail", pk=opened[0].pk)
                return redirect("evaluations:list")
    context = {
        "form": form,
        "candidates": candidates.select_related("region", "category").order_by("code", "pk")[:100],
        "chosen": set(chosen),
        "categories": Term.objects.filter(vocabulary=Vocabulary.CATEGORY, is_active=True),
        "q": query,
    }
    return render(request, "evaluations/open.html", context)


# --- the evaluation page ----------------------------------------------------------------------------


def _panel_rounds(evaluation: Evaluation) -> dict[int, list[Assignment]]:
    rounds: dict[int, list[Assignment]] = {}
    assignments = evaluation.assignments.select_related("expert__user", "expert__organization", "waiver_by").order_by(
        "round", "field", "pk"
    )
    for a in assignments:
        rounds.setdefault(a.round, []).append(a)
    return rounds


@login_required
def evaluation_detail(request, pk: int):
    evaluation = get_object_or_404(
        Evaluation.objects.select_related(
            "technique__region", "technique__category", "technique__inheritance", "rubric", "grade_scale", "batch"
        ).prefetch_related(
            "technique__diseases",
            "technique__syndromes",
            "technique__features",
            "technique__holders",
            "rubric__criteria",
            "grade_scale__levels",
        ),
        pk=pk,
    )
    authorize(request.user, "evaluation.view", evaluation)
    user = request.user
    rounds = _panel_rounds(evaluation)
    visible_rounds = selectors.scores_visible(user, evaluation, rounds)
    criteria = list(evaluation.rubric.criteria.all())
    results = {}
    score_sections = []
    for r in sorted(rounds):
        if r not in visible_rounds:
            score_sections.append({"round": r, "visible": False})
            continue
        results[r] = services.evaluation_aggregate(evaluation, r)
        by_assignment: dict[int, dict[int, Score]] = {a.pk: {} for a in rounds[r] if a.status == "submitted"}
        for s in Score.objects.filter(assignment_id__in=list(by_assignment)):
            by_assignment[s.assignment_id][s.criterion_id] = s
        score_sections.append(
            {
                "round": r,
                "visible": True,
                "result": results[r],
                "rows": [
                    (a, [by_assignment[a.pk].get(c.pk) for c in criteria]) for a in rounds[r] if a.pk in by_assignment
                ],
            }
        )
    manage = can(user, "evaluation.manage", evaluation)
    finalize = can(user, "evaluation.finalize", evaluation)
    mine = next((a for a in rounds.get(evaluation.round, []) if a.expert.user_id == user.pk), None)
    suggestions = []
    if manage and evaluation.status in (Status.ASSIGNING, Status.SCORING):
        suggestions = services.experts_suggest(evaluation=evaluation, limit=30)
    panel_experts = (
        ExpertProfile.objects.filter(
            assignments__evaluation=evaluation, assignments__status__in=["accepted", "submitted"]
        )
        .select_related("user")
        .distinct()
    )
    conclusions = list(evaluation.conclusions.select_related("recorded_by"))
    current_conclusion = next((c for c in conclusions if c.round == evaluation.round), None)
    levels = services.grade_levels(evaluation)
    current = results.get(evaluation.round)
    computed_grade = ""
    if current and current.score is not None:
        from evaluations.scoring import grade_for

        computed_grade = grade_for(current.score, levels)
    decision = getattr(evaluation, "decision", None) if evaluation.status == Status.FINALIZED else None
    if evaluation.technique.holders.all():
        from techniques.services import holders_viewed

        holders_viewed(viewer=user, technique=evaluation.technique)
    history = (
        AuditEntry.objects.filter(
            content_type__app_label="evaluations", content_type__model="evaluation", object_id=str(evaluation.pk)
        )
        .select_related("actor")
        .order_by("created_at")[:200]
    )
    context = {
        "evaluation": evaluation,
        "technique": evaluation.technique,
        "criteria": criteria,
        "rounds": rounds,
        "visible_rounds": visible_rounds,
        "score_sections": score_sections,
        "manage": manage,
        "finalize": finalize and evaluation.status == Status.CONCLUDED,
        "mine": mine,
        "suggestions": suggestions,
        "levels": levels,
        "computed_grade": computed_grade,
        "conclusions": conclusions,
        "current_conclusion": current_conclusion,
        "decision": decision,
        "can_evidence": can(user, "evaluation.evidence", evaluation)
        and evaluation.status not in (Status.FINALIZED, Status.CANCELLED),
        "efficacy": evaluation.efficacy_records.select_related("recorded_by"),
        "follow_ups": evaluation.follow_ups.select_related("recorded_by"),
        "meetings": evaluation.meetings.prefetch_related(
            Prefetch("attendees", queryset=ExpertProfile.objects.select_related("user"))
        ),
        "meeting_form": forms.MeetingForm(panel=panel_experts),
        "efficacy_form": forms.EfficacyForm(),
        "follow_up_form": forms.FollowUpForm(),
        "conclude_form": forms.ConcludeForm(
            initial={"grade": computed_grade, "passed": "yes" if computed_grade else "no"}
        ),
        "decide_form": forms.DecideForm(
            initial={
                "grade": current_conclusion.grade if current_conclusion else "",
                "passed": "yes" if current_conclusion and current_conclusion.passed else "no",
            }
        ),
        "recommendations": PanelConclusion._meta.get_field("recommendation").choices,
        "history": history,
        "judgements": EfficacyRecord.Judgement.choices,
        "methods": FollowUp.Method.choices,
        "outcomes": _outcomes_context(user, evaluation, decision),
    }
    return render(request, "evaluations/detail.html", context)


def _outcomes_context(user, evaluation: Evaluation, decision) -> dict:
    if decision is None or not decision.passed:
        return {}
    from evaluations.models import PricingProposal, PromotionListing

    listing = (
        PromotionListing.objects.filter(technique_id=evaluation.technique_id)
        .prefetch_related("training_classes__trainees", "training_classes__holder", "clinics__organization")
        .first()
    )
    return {
        "listing": listing,
        "pricing": PricingProposal.objects.filter(evaluation=evaluation).first(),
        "can_promote": can(user, "promotion.manage", evaluation),
        "can_price": can(user, "pricing.manage", evaluation),
        "pricing_form": forms.PricingForm(),
        "holders": list(evaluation.technique.holders.all()),
    }


@login_required
@require_POST
def assign(request, pk: int):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    return _done(
        request,
        pk,
        forms.AssignForm(request.POST),
        lambda d: services.assignment_create(
            actor=request.user, evaluation=evaluation, expert=d["expert"], waiver_reason=d["waiver_reason"]
        ),
        _("已发出评估邀请"),
    )


@login_required
@require_POST
def assignment_withdraw(request, pk: int):
    assignment = get_object_or_404(Assignment, pk=pk)
    return _done(
        request,
        assignment.evaluation_id,
        forms.ReasonForm(request.POST),
        lambda d: services.assignment_withdraw(actor=request.user, assignment=assignment, reason=d["reason"]),
        _("已撤回该专家"),
    )


@login_required
@require_POST
def advance(request, pk: int):
    """Start scoring or cancel: the two moves of the office before the conclusion."""
    evaluation = get_object_or_404(Evaluation, pk=pk)
    to = request.POST.get("to")
    form = forms.ReasonForm(request.POST)
    if to == Status.SCORING:
        call, success = (
            (lambda d: services.evaluation_start_scoring(actor=request.user, evaluation=evaluation)),
            _("已开始评分，已通知专家"),
        )
    elif to == Status.CANCELLED:
        call, success = (
            (lambda d: services.evaluation_cancel(actor=request.user, evaluation=evaluation, reason=d["reason"])),
            _("评估已撤销"),
        )
    else:
        messages.error(request, _("无效的操作"))
        return redirect("evaluations:detail", pk=pk)
    return _done(request, pk, form, call, success)


def evaluation_action(form_class, service, success: str):
    """A POST-only page action on one evaluation: the form's cleaned data go to the service as
    keyword arguments, with the person and the evaluation."""

    @login_required
    @require_POST
    def view(request, pk: int):
        evaluation = get_object_or_404(Evaluation, pk=pk)
        return _done(
            request,
            pk,
            form_class(request.POST),
            lambda d: service(actor=request.user, evaluation=evaluation, **d),
            success,
        )

    return view


conclude = evaluation_action(forms.ConcludeForm, services.evaluation_conclude, gettext_lazy("已记录专家组结论"))
efficacy_add = evaluation_action(forms.EfficacyForm, services.efficacy_record_add, gettext_lazy("已添加疗效判定记录"))
follow_up_add = evaluation_action(forms.FollowUpForm, services.follow_up_add, gettext_lazy("已添加随访记录"))


@login_required
@require_POST
def decide(request, pk: int):
    evaluation = get_object_or_404(Evaluation, pk=pk)

    def call(d):
        if d["action"] == "rereview":
            return services.evaluation_rereview(
                actor=request.user, evaluation=evaluation, reason=d["reason"], deadline=d["deadline"]
            )
        return services.evaluation_finalize(
            actor=request.user,
            evaluation=evaluation,
            passed=bool(d["passed"]),
            grade=d["grade"],
            management_class=d["management_class"],
            reason=d["reason"],
        )

    success = (
        _("已决定复评，请组建新一轮专家组")
        if request.POST.get("action") == "rereview"
        else _("已终审，等级已写入技术数据库")
    )
    return _done(request, pk, forms.DecideForm(request.POST), call, success)


@login_required
@require_POST
def meeting_add(request, pk: int):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    panel = ExpertProfile.objects.filter(assignments__evaluation=evaluation).distinct()
    return _done(
        request,
        pk,
        forms.MeetingForm(request.POST, panel=panel),
        lambda d: services.meeting_add(
            actor=request.user, evaluation=evaluation, **{**d, "attendees": list(d["attendees"])}
        ),
        _("已记录专家论证会"),
    )


# --- the expert's side ------------------------------------------------------------------------------


@login_required
def queue(request):
    """The expert's invitations and panels."""
    page = CappedPaginator(selectors.expert_queue(request.user), 50).get_page(request.GET.get("page"))
    expert = ExpertProfile.objects.filter(user=request.user).first()
    return render(
        request, "evaluations/queue.html", {"page": page, "expert": expert, "respond_form": forms.RespondForm()}
    )


@login_required
@require_POST
def respond(request, pk: int):
    assignment = get_object_or_404(Assignment.objects.select_related("evaluation", "expert"), pk=pk)
    authorize(request.user, "assignment.respond", assignment)
    form = forms.RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.errors_text(form))
    else:
        try:
            services.assignment_respond(
                actor=request.user,
                assignment=assignment,
                accept=form.cleaned_data["answer"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已答复"))
    return redirect("evaluations:queue")


@login_required
def invitation(request, token: str):
    """The one-click personal link of an invitation email: the invited expert, signed in,
    answers here. Anyone else is refused (and the attempt audited); nothing changes."""
    try:
        assignment = services.invitation_from_link(token)
    except ApplicationError as exc:
        return render(request, "evaluations/invitation.html", {"error": exc.message}, status=404)
    try:
        services.assignment_check_expert(actor=request.user, assignment=assignment)
    except PermissionDenied as exc:
        return render(request, "evaluations/invitation.html", {"error": str(exc)}, status=403)
    form = forms.RespondForm(request.POST or None, initial={"answer": request.GET.get("answer", "accept")})
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_respond(
                actor=request.user,
                assignment=assignment,
                accept=form.cleaned_data["answer"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已答复，感谢您的支持"))
            return redirect("evaluations:queue")
    return render(request, "evaluations/invitation.html", {"assignment": assignment, "form": form})


def _sheet_from_post(post, criteria) -> dict[int, services.ScoreInput]:
    return {
        c.pk: services.ScoreInput(
            value=post.get(f"c{c.pk}", ""),
            not_applicable=post.get(f"na{c.pk}") == "on",
            comment=post.get(f"comment{c.pk}", ""),
        )
        for c in criteria
    }


@login_required
def score(request, pk: int):
    assignment = get_object_or_404(
        Assignment.objects.select_related("evaluation__technique", "evaluation__rubric", "expert__user"), pk=pk
    )
    authorize(request.user, "assignment.score", assignment)
    criteria = list(assignment.evaluation.rubric.criteria.all())
    error = ""
    entered = {}
    if request.method == "POST":
        sheet = _sheet_from_post(request.POST, criteria)
        entered = sheet
        try:
            services.score_submit(
                actor=request.user,
                assignment=assignment,
                sheet=sheet,
                overall_comment=request.POST.get("overall_comment", ""),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("评分已提交。现在可以查看其他专家的评分"))
            return redirect("evaluations:detail", pk=assignment.evaluation_id)
    submitted = {s.criterion_id: s for s in assignment.scores.all()}
    rows = [(c, entered.get(c.pk), submitted.get(c.pk)) for c in criteria]
    return render(
        request,
        "evaluations/score.html",
        {
            "assignment": assignment,
            "evaluation": assignment.evaluation,
            "rows": rows,
            "error": error,
            "overall_comment": request.POST.get("overall_comment", ""),
        },
    )


def rubric_list(request):
    """The rubrics and grade scales in use (public: the criteria of evaluation are open)."""
    from evaluations.models import GradeScale

    rubrics = Rubric.objects.filter(is_active=True).prefetch_related("criteria")
    scales = GradeScale.objects.prefetch_related("levels")
    return render(request, "evaluations/rubrics.html", {"rubrics": rubrics, "scales": scales})
