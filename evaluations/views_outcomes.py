"""Pages of the outcomes: the graded database, the promotion catalogue with training classes and
specialty clinics (PRO-2), pricing and its export for the medical-insurance bureau (EVA-4), and
the evaluation dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Organization, Region
from accounts.permissions import authorize, can, scope
from evaluations import forms, outcomes, selectors
from evaluations.models import Evaluation, PricingProposal, PromotionListing, Trainee, TrainingClass
from evaluations.views import _done, evaluation_action
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from techniques.models import Term, Vocabulary

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_safe
def graded(request):
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    results = selectors.graded(visible, request.GET, user=request.user)
    page = CappedPaginator(results, 50).get_page(request.GET.get("page"))
    levels = sorted(
        {
            lv
            for lv in visible.filter(status=Evaluation.Status.FINALIZED).values_list("decision__grade", flat=True)[
                :1000
            ]
            if lv
        }
    )
    return render(
        request,
        "evaluations/graded.html",
        {
            "page": page,
            "grades": levels,
            "counties": Region.objects.filter(parent_id="140800").order_by("code"),
            "categories": Term.objects.filter(vocabulary=Vocabulary.CATEGORY, is_active=True),
            "can_export": can(request.user, "pricing.manage"),
        },
    )


@require_safe
def promotion_catalogue(request):
    """The promotion catalogue of appropriate techniques is public (PRO-2)."""
    listings = PromotionListing.objects.select_related("technique__region", "technique__category").prefetch_related(
        "training_classes__holder", "training_classes__trainees", "clinics__organization"
    )
    page = Paginator(listings.order_by("-listed_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(request, "evaluations/promotion.html", {"page": page, "today": timezone.localdate()})


promotion_add = evaluation_action(
    forms.PromotionForm, outcomes.promotion_list, gettext_lazy("已列入推广名录"), "promotion.manage"
)
pricing = evaluation_action(
    forms.PricingForm, outcomes.pricing_record, gettext_lazy("已记录价格与医保建议"), "pricing.manage"
)


@login_required
@require_POST
def training_add(request, pk: int):
    listing = get_object_or_404(PromotionListing.objects.select_related("evaluation"), pk=pk)
    authorize(request.user, "promotion.manage", listing.evaluation)  # the gate, before the input

    def call(d):
        holder = listing.technique.holders.filter(pk=d.pop("holder")).first()
        if holder is None:
            raise ApplicationError(_("授课人必须是该技术的持有人"), field="holder")
        return outcomes.training_class_add(actor=request.user, listing=listing, holder=holder, **d)

    return _done(request, listing.evaluation_id, forms.TrainingForm(request.POST), call, _("已添加培训班"))


@login_required
@require_POST
def trainee_add(request, pk: int):
    training = get_object_or_404(TrainingClass.objects.select_related("listing__evaluation"), pk=pk)
    authorize(request.user, "promotion.manage", training.listing.evaluation)
    return _done(
        request,
        training.listing.evaluation_id,
        forms.TraineeForm(request.POST),
        lambda d: outcomes.trainee_add(actor=request.user, training_class=training, **d),
        _("已添加学员"),
    )


@login_required
@require_POST
def trainee_complete(request, pk: int):
    trainee = get_object_or_404(Trainee.objects.select_related("training_class__listing__evaluation"), pk=pk)
    authorize(request.user, "promotion.manage", trainee.training_class.listing.evaluation)
    return _done(
        request,
        trainee.training_class.listing.evaluation_id,
        forms.ReasonForm(request.POST),
        lambda d: outcomes.trainee_complete(actor=request.user, trainee=trainee),
        _("已登记结业"),
    )


@login_required
@require_POST
def clinic_add(request, pk: int):
    listing = get_object_or_404(PromotionListing.objects.select_related("evaluation"), pk=pk)
    authorize(request.user, "promotion.manage", listing.evaluation)

    def call(d):
        organization = Organization.objects.filter(name=d["organization"].strip()).first()
        if organization is None:
            raise ApplicationError(
                _("医疗机构「%(name)s」不存在，请填写全称") % {"name": d["organization"]}, field="organization"
            )
        return outcomes.clinic_add(
            actor=request.user, listing=listing, name=d["name"], organization=organization, opened_on=d["opened_on"]
        )

    return _done(request, listing.evaluation_id, forms.ClinicForm(request.POST), call, _("已添加特色诊室"))


@login_required
@require_safe
def pricing_export(request):
    authorize(request.user, "pricing.manage")
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    proposals = PricingProposal.objects.filter(evaluation__in=visible.values("pk"))
    data = outcomes.pricing_workbook(actor=request.user, proposals=proposals)
    response = HttpResponse(data, content_type=XLSX)
    filename = f"pricing-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def dashboard(request):
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    return render(
        request, "evaluations/dashboard.html", {"figures": selectors.dashboard_figures(visible, user=request.user)}
    )
