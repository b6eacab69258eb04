"""Research projects linked to techniques (PRO-5): the staff's list, form and page, and linking
from either side (the project's page or the technique's)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Organization
from accounts.permissions import authorize, can, scope
from chuancheng.errors import errors_to
from lib.forms import DateInput
from lib.pagination import CappedPaginator
from techniques import research
from techniques.models import ResearchProject, Technique
from techniques.views_spreadsheet import staff_organizations

FIELDS = ["title", "organization", "leader", "funding_source", "started_on", "ended_on", "summary", "is_public"]


class ProjectForm(forms.ModelForm):
    recorded_org = forms.ModelChoiceField(
        label=gettext_lazy("登记单位"), queryset=Organization.objects.none(), empty_label=None
    )

    class Meta:
        model = ResearchProject
        fields = FIELDS
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["recorded_org"]
        else:
            self.fields["recorded_org"].queryset = organizations
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    def data_for_service(self) -> research.ProjectData:
        return research.ProjectData(**{key: self.cleaned_data[key] for key in FIELDS})


def _visible(user):
    return scope(user, "research.view", ResearchProject.objects.all())


@login_required
@require_safe
def project_list(request):
    authorize(request.user, "research.view")
    projects = _visible(request.user).select_related("recorded_org").annotate(technique_count=Count("techniques"))
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        projects = projects.filter(title__contains=query)
    page = CappedPaginator(projects.order_by("-updated_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "can_manage": can(request.user, "research.manage")}
    return render(request, "techniques/research_list.html", context)


@login_required
def project_create(request):
    authorize(request.user, "research.manage")
    technique = None
    if (request.GET.get("technique") or request.POST.get("technique", "")).isdigit():
        technique = get_object_or_404(Technique, pk=request.GET.get("technique") or request.POST.get("technique"))
        authorize(request.user, "technique.view", technique)
    form = ProjectForm(request.POST or None, organizations=staff_organizations(request.user))
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            project = research.project_create_linked(
                actor=request.user,
                recorded_org=form.cleaned_data["recorded_org"],
                data=form.data_for_service(),
                technique=technique,
            )
        if not form.errors:
            messages.success(request, _("科研项目已登记"))
            if technique is not None:
                return redirect("techniques:manage-detail", pk=technique.pk)
            return redirect("techniques:research-detail", pk=project.pk)
    return render(request, "techniques/research_form.html", {"form": form, "technique": technique})


@login_required
def project_edit(request, pk: int):
    project = get_object_or_404(ResearchProject, pk=pk)
    authorize(request.user, "research.manage", project)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        project.refresh_from_db()  # the form wrote its values onto the instance; compare with the row
        with errors_to(form):
            research.project_update(project=project, actor=request.user, data=data)
        if not form.errors:
            messages.success(request, _("已保存"))
            return redirect("techniques:research-detail", pk=project.pk)
    return render(request, "techniques/research_form.html", {"form": form, "project": project})


@login_required
@require_safe
def project_detail(request, pk: int):
    project = get_object_or_404(ResearchProject.objects.select_related("recorded_org", "recorded_by"), pk=pk)
    authorize(request.user, "research.view", project)
    techniques = project.techniques.select_related("region", "category").order_by("name")
    context = {
        "project": project,
        "techniques": techniques,
        "can_manage": can(request.user, "research.manage", project),
    }
    return render(request, "techniques/research_detail.html", context)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def _posted_project(request) -> ResearchProject:
    value = request.POST.get("project", "")
    return get_object_or_404(ResearchProject, pk=int(value) if value.isdigit() else 0)


def _technique_from(value: str) -> Technique | None:
    value = (value or "").strip()
    if value.isdigit():
        return Technique.objects.filter(pk=int(value)).first()
    return Technique.objects.filter(code=value.upper()).first() if value else None


@login_required
@require_POST
def project_link(request):
    """Links a technique to a project: from the project's page (a technique's number or code) or
    from the technique's page (a choice of the projects the person keeps)."""
    return _change_link(
        request, research.project_link, gettext_lazy("已将「%(technique)s」关联到科研项目「%(project)s」")
    )


@login_required
@require_POST
def project_unlink(request):
    return _change_link(
        request, research.project_unlink, gettext_lazy("已取消「%(technique)s」与科研项目「%(project)s」的关联")
    )


def _change_link(request, change, done: str):
    project = _posted_project(request)
    authorize(request.user, "research.manage", project)
    technique = _technique_from(request.POST.get("technique", ""))
    fallback = f"/techniques/research/{project.pk}/"
    if technique is None:
        messages.error(
            request,
            _("找不到技术「%(technique)s」：请填写技术的编号（如 YC2026000123）或序号")
            % {"technique": request.POST.get("technique", "")},
        )
        return _back(request, fallback)
    change(project=project, technique=technique, actor=request.user)
    messages.success(request, str(done) % {"technique": technique.name, "project": project.title})
    return _back(request, fallback)
