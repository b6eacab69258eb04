"""Pages of the expert pool (EVA-1): the list with each expert's history, adding an expert, an
expert's page with declared relationships and availability."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Organization, User
from accounts.permissions import authorize, can, scope
from chuancheng.errors import errors_to
from evaluations import forms, permissions, selectors, services
from evaluations.models import ExpertProfile, Field
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from techniques.models import Term, Vocabulary


@login_required
@require_safe
def expert_list(request):
    visible = scope(request.user, "expert.view", ExpertProfile.objects.all())
    field = request.GET.get("field", "")
    if field in Field.values:
        visible = visible.filter(field=field)
    query = (request.GET.get("q") or "").strip()[:30]
    if query:
        visible = visible.filter(user__full_name__contains=query)
    experts = selectors.experts_with_history(visible).prefetch_related("specialties").order_by("field", "pk")
    page = CappedPaginator(experts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/experts.html",
        {"page": page, "fields": Field.choices, "can_manage": can(request.user, "expert.manage"), "q": query},
    )


def _specialties(text: str) -> list[Term]:
    names = [n.strip() for n in text.replace(",", "、").replace("，", "、").split("、") if n.strip()]
    terms = {
        t.name: t
        for t in Term.objects.filter(
            vocabulary__in=[Vocabulary.CATEGORY, Vocabulary.DISEASE], name__in=names, is_active=True
        )
    }
    unknown = [n for n in names if n not in terms]
    if unknown:
        raise ApplicationError(
            _("专长「%(names)s」不在技术类别或病种词表中") % {"names": "、".join(unknown)}, field="specialties"
        )
    return list(terms.values())


@login_required
def expert_create(request):
    authorize(request.user, "expert.manage")
    form = forms.ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User.objects.filter(username=data["username"].strip()).first()
        with errors_to(form):
            if user is None:
                raise ApplicationError(_("账号「%(name)s」不存在") % {"name": data["username"]}, field="username")
            expert = services.expert_profile_create(
                actor=request.user,
                user=user,
                field=data["field"],
                title=data["title"],
                specialties=_specialties(data["specialties"]),
                specialty_note=data["specialty_note"],
            )
        if not form.errors:
            messages.success(request, _("已加入专家库"))
            return redirect("evaluations:expert-detail", pk=expert.pk)
    return render(request, "evaluations/expert_form.html", {"form": form})


@login_required
@require_safe
def expert_detail(request, pk: int):
    expert = get_object_or_404(
        ExpertProfile.objects.select_related("user", "organization", "region").prefetch_related("specialties"), pk=pk
    )
    authorize(request.user, "expert.view", expert)
    services.expert_viewed(viewer=request.user, expert=expert)
    assignments = expert.assignments.select_related("evaluation__technique").order_by("-invited_at")[:100]
    return render(
        request,
        "evaluations/expert_detail.html",
        {
            "expert": expert,
            "history": selectors.expert_history(expert),
            "assignments": assignments,
            "relationships": expert.relationships.select_related("organization"),
            "can_declare": can(request.user, "expert.declare", expert),
            "can_availability": permissions.may_set_availability(request.user, expert),
            "relationship_form": forms.RelationshipForm(),
            "availability_form": forms.AvailabilityForm(initial={"available": "yes" if expert.is_available else "no"}),
        },
    )


@login_required
@require_POST
def relationship_add(request, pk: int):
    expert = get_object_or_404(ExpertProfile, pk=pk)
    authorize(request.user, "expert.declare", expert)  # the gate, before the input
    form = forms.RelationshipForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(forms.errors_text(form))
    data = form.cleaned_data
    organization = None
    if data["organization"].strip():
        organization = Organization.objects.filter(name=data["organization"].strip()).first()
        if organization is None:
            raise ApplicationError(
                _("单位「%(name)s」不存在，请填写单位全称") % {"name": data["organization"]}, field="organization"
            )
    services.expert_relationship_declare(
        actor=request.user,
        expert=expert,
        kind=data["kind"],
        holder_name=data["holder_name"],
        organization=organization,
        note=data["note"],
    )
    messages.success(request, _("已登记该关系，今后指派时将据此回避"))
    return redirect("evaluations:expert-detail", pk=pk)


@login_required
@require_POST
def availability(request, pk: int):
    expert = get_object_or_404(ExpertProfile, pk=pk)
    if not permissions.may_set_availability(request.user, expert):
        authorize(request.user, "expert.manage", expert)  # 404 outside scope, else 403
    form = forms.AvailabilityForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(forms.errors_text(form))
    services.expert_availability_set(
        actor=request.user,
        expert=expert,
        available=form.cleaned_data["available"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("已更新"))
    return redirect("evaluations:expert-detail", pk=pk)
