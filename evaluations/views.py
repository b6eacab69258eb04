"""Pages of the evaluation itself: the list, opening, the evaluation page (panel, evidence,
scores, conclusion, decision), the expert's queue, invitations and the score sheet.

A refused POST ends in chuancheng.errors (the message, back to the page it came from); the buttons
of the workflow's moves post to workflow:move (templates/workflow/_moves.html). The forms posted
here are the moves and records that need more than a reason."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import authorize, can, scope
from chuancheng.errors import errors_to
from evaluations import forms, permissions, selectors, services
from evaluations.models import Assignment, Evaluation, ExpertProfile, Rubric
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from lib.params import as_id
from techniques.models import Technique, Term, Vocabulary
from workflow.services import move_act, moves

Status = Evaluation.Status
LIST_RELATED = ("technique__region", "technique__category", "batch")


def _gated(request, model, pk: int, act: str):
    """The record, if the person may do the act on it: 404 outside their scope, 403 without the
    act — before any input is read (the service checks again with the input)."""
    obj = get_object_or_404(model, pk=pk)
    authorize(request.user, act, obj)
    return obj


def _done(request, pk: int, form, call, success: str):
    """Validate the form, call one service, say what happened, back to the evaluation. A refusal
    goes back to the page the form was on, with its message (chuancheng.errors)."""
    if not form.is_valid():
        raise ApplicationError(forms.errors_text(form))
    call(form.cleaned_data)
    messages.success(request, success)
    return redirect("evaluations:detail", pk=pk)


# --- list and opening -------------------------------------------------------------------------------


@login_required
@require_safe
def evaluation_list(request):
    visible = permissions.with_scores_visible(
        scope(request.user, "evaluation.view", Evaluation.objects.all()), request.user
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        visible = visible.filter(status=status)
    if request.GET.get("flagged") == "1":
        # Blind scoring: a disagreement is found only where the person may read the scores.
        visible = visible.filter(flagged=True, scores_visible=True)
    page = CappedPaginator(visible.select_related(*LIST_RELATED).order_by("-opened_at", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    waiting = selectors.waiting_counts(list(page.object_list))
    rows = [(e, selectors.next_actor(e, waiting.get(e.pk))) for e in page.object_list]
    stages = [(value, label, value == status) for value, label in Status.choices]
    return render(
        request,
        "evaluations/list.html",
        {"page": page, "rows": rows, "stages": stages, "can_open": can(request.user, "evaluation.open")},
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
    if as_id(request.GET.get("category")) is not None:
        candidates = candidates.filter(category_id=as_id(request.GET["category"]))
    chosen = [as_id(v) for v in request.POST.getlist("techniques") if as_id(v) is not None]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        opened = []
        with errors_to(form):
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
        if not form.errors:
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


@login_required
@require_safe
def evaluation_detail(request, pk: int):
    evaluation = selectors.evaluation_for_page(pk)
    authorize(request.user, "evaluation.view", evaluation)
    if evaluation.technique.holders.all():
        from techniques.services import holders_viewed

        holders_viewed(viewer=request.user, technique=evaluation.technique)
    context = selectors.evaluation_page(request.user, evaluation)
    context.update(efficacy_form=forms.EfficacyForm(), pricing_form=forms.PricingForm())
    return render(request, "evaluations/detail.html", context)


@login_required
@require_POST
def assign(request, pk: int):
    evaluation = _gated(request, Evaluation, pk, "evaluation.manage")
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
    assignment = _gated(request, Assignment, pk, move_act(Assignment, Assignment.Status.WITHDRAWN))
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
    """Start scoring or cancel (kept for links and scripts; the page's buttons post to
    workflow:move, which makes the same moves)."""
    to = {Status.SCORING.value: Status.SCORING, Status.CANCELLED.value: Status.CANCELLED}.get(request.POST.get("to"))
    evaluation = _gated(request, Evaluation, pk, move_act(Evaluation, to or Status.SCORING))
    if to is None:
        raise ApplicationError(_("无效的操作"))
    return _done(
        request,
        pk,
        forms.ReasonForm(request.POST),
        lambda d: services.evaluation_move(evaluation, to=to, actor=request.user, reason=d["reason"]),
        _("已开始评分，已通知专家") if to == Status.SCORING else _("评估已撤销"),
    )


def evaluation_action(form_class, service, success: str, act: str):
    """A POST-only page action on one evaluation, for those who may do the act: the form's cleaned
    data go to the service as keyword arguments, with the person and the evaluation."""

    @login_required
    @require_POST
    def view(request, pk: int):
        evaluation = _gated(request, Evaluation, pk, act)
        return _done(
            request,
            pk,
            form_class(request.POST),
            lambda d: service(actor=request.user, evaluation=evaluation, **d),
            success,
        )

    return view


conclude = evaluation_action(
    forms.ConcludeForm,
    services.evaluation_conclude,
    gettext_lazy("已记录专家组结论"),
    move_act(Evaluation, Status.CONCLUDED),
)
efficacy_add = evaluation_action(
    forms.EfficacyForm, services.efficacy_record_add, gettext_lazy("已添加疗效判定记录"), "evaluation.evidence"
)
follow_up_add = evaluation_action(
    forms.FollowUpForm, services.follow_up_add, gettext_lazy("已添加随访记录"), "evaluation.evidence"
)


@login_required
@require_POST
def decide(request, pk: int):
    """The office's final decision or a re-review round (the two moves from 待终审)."""
    rereview = request.POST.get("action") == "rereview"
    evaluation = _gated(
        request, Evaluation, pk, move_act(Evaluation, Status.ASSIGNING if rereview else Status.FINALIZED)
    )

    def call(d):
        if rereview:
            return services.evaluation_rereview(
                actor=request.user,
                evaluation=evaluation,
                reason=d["reason"],
                deadline=d["deadline"],
                expect=d["expect"],
            )
        return services.evaluation_finalize(
            actor=request.user,
            evaluation=evaluation,
            passed=bool(d["passed"]),
            grade=d["grade"],
            management_class=d["management_class"],
            reason=d["reason"],
            expect=d["expect"],
        )

    success = _("已决定复评，请组建新一轮专家组") if rereview else _("已终审，等级已写入技术数据库")
    return _done(request, pk, forms.DecideForm(request.POST), call, success)


@login_required
@require_POST
def meeting_add(request, pk: int):
    evaluation = _gated(request, Evaluation, pk, "evaluation.manage")
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
@require_safe
def queue(request):
    """The expert's invitations and panels, each with the moves the expert may make on it now."""
    page = CappedPaginator(selectors.expert_queue(request.user), 50).get_page(request.GET.get("page"))
    expert = ExpertProfile.objects.filter(user=request.user).first()
    return render(request, "evaluations/queue.html", {"page": page, "expert": expert})


@login_required
@require_safe
def assignment_page(request, pk: int):
    """An assignment's address, where its to-dos and notices link: the invited expert goes where
    they act on it (the score sheet, or their queue to answer the invitation); everyone else who
    may see the evaluation goes to its panel."""
    assignment = get_object_or_404(Assignment.objects.select_related("evaluation", "expert"), pk=pk)
    if permissions.is_invited_expert(request.user, assignment):
        page = next((m.page_url for m in moves(assignment, request.user) if m.page_url), "")
        return redirect(page or f"{reverse('evaluations:queue')}#assignment-{assignment.pk}")
    authorize(request.user, "evaluation.view", assignment.evaluation)
    return redirect(f"{assignment.evaluation.get_absolute_url()}#panel-{assignment.round}")


@login_required
@require_POST
def respond(request, pk: int):
    """An answer from the queue (kept for links and scripts; the queue's buttons post to
    workflow:move, which makes the same moves)."""
    assignment = _gated(request, Assignment, pk, move_act(Assignment, Assignment.Status.ACCEPTED))
    form = forms.RespondForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(forms.errors_text(form))
    services.assignment_respond(
        actor=request.user,
        assignment=assignment,
        accept=form.cleaned_data["answer"] == "accept",
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, _("已答复"))
    return redirect("evaluations:queue")


@login_required
def invitation(request, token: str):
    """The one-click personal link of an invitation email: the invited expert, signed in,
    answers here. Anyone else is refused (and the attempt audited); nothing changes."""
    assignment = services.invitation_from_link(token)
    services.invitation_link_opened(actor=request.user, assignment=assignment)
    form = forms.RespondForm(request.POST or None, initial={"answer": request.GET.get("answer", "accept")})
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            services.assignment_respond(
                actor=request.user,
                assignment=assignment,
                accept=form.cleaned_data["answer"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        if not form.errors:
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
    """The score sheet: open while the expert may submit it (the move to 已提交评分), read-only
    once submitted. A refused sheet comes back with what was typed and the rule broken."""
    assignment = get_object_or_404(
        Assignment.objects.select_related("evaluation__technique", "evaluation__rubric", "expert__user"), pk=pk
    )
    authorize(request.user, "assignment.score", assignment)
    criteria = list(assignment.evaluation.rubric.criteria.all())
    form = django_forms.Form(request.POST if request.method == "POST" else None)
    entered = {}
    if form.is_valid():  # a POST: the sheet's own rules are the service's
        entered = _sheet_from_post(request.POST, criteria)
        with errors_to(form):
            services.score_submit(
                actor=request.user,
                assignment=assignment,
                sheet=entered,
                overall_comment=request.POST.get("overall_comment", ""),
            )
        if not form.errors:
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
            "form": form,
            "sheet_open": any(m.to == Assignment.Status.SUBMITTED for m in moves(assignment, request.user)),
            "overall_comment": request.POST.get("overall_comment", ""),
        },
    )


@require_safe
def rubric_list(request):
    """The rubrics and grade scales in use (public: the criteria of evaluation are open)."""
    from evaluations.models import GradeScale

    rubrics = Rubric.objects.filter(is_active=True).prefetch_related("criteria")
    scales = GradeScale.objects.prefetch_related("levels")
    return render(request, "evaluations/rubrics.html", {"rubrics": rubrics, "scales": scales})
