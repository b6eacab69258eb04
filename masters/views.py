from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import authorize, scope
from accounts.ratelimits import per_ip
from chuancheng.errors import errors_to
from lib.files import serve_file
from masters import permissions, selectors, services
from masters.forms import (
    AdvanceForm,
    ApplicationFilterForm,
    ExemptionForm,
    MasterApplicationForm,
    MaterialForm,
    PartnerForm,
)
from masters.models import Master, MasterMaterial, tier_choices_by_track
from masters.rules import check_master_eligibility, current_exemption
from workflow.models import AuditEntry
from workflow.services import authorize_moves, state_label_in_current_language
from workflow.templatetags.workflow import moves as moves_tag

LIST_RELATED = ("organization", "region")


# --- the public directory ------------------------------------------------------------------------


@require_safe
@per_ip("public_search_ip")
def directory(request):
    certified = Master.objects.filter(status=Master.Status.CERTIFIED)
    results = (
        selectors.search_masters(certified, request.GET).select_related(*LIST_RELATED).order_by("name_pinyin", "pk")
    )
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    return render(request, "masters/directory.html", {"page": page, "tier_groups": tier_choices_by_track()})


@require_safe
def profile(request, pk: int):
    master = get_object_or_404(
        Master.objects.select_related(*LIST_RELATED).prefetch_related("techniques"),
        pk=pk,
        status=Master.Status.CERTIFIED,
    )
    techniques = [t for t in master.techniques.all() if t.is_public]
    return render(
        request,
        "masters/profile.html",
        {"master": master, "techniques": techniques, **selectors.profile_context(master, request.user)},
    )


# --- applications --------------------------------------------------------------------------------


def _save(request, form, master=None):
    fields = form.service_fields()
    techniques = fields.pop("techniques")
    if master is None:
        return services.master_application_create(actor=request.user, techniques=techniques, **fields)
    return services.master_application_update(master=master, actor=request.user, techniques=techniques, **fields)


def _form_page(request, form, master=None):
    if request.method == "POST" and form.is_valid():
        saved = None
        with errors_to(form):
            try:
                saved = _save(request, form, master)
            except ValidationError as exc:
                # The model's own validation (full_clean) names the fields the person typed.
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        if not form.errors:
            messages.success(request, _("申请已保存为草稿，请核对申请条件后提交。"))
            return redirect("masters:application-detail", pk=saved.pk)
    return render(request, "masters/application_form.html", {"form": form, "master": master})


@login_required
def application_create(request):
    form = MasterApplicationForm(request.POST or None, user=request.user)
    return _form_page(request, form)


@login_required
def application_edit(request, pk: int):
    master = get_object_or_404(Master, pk=pk)
    authorize(request.user, "master.edit", master)
    if not permissions.may_edit(request.user, master):
        messages.error(request, _("申请处于「%(state)s」状态，不能修改") % {"state": master.get_status_display()})
        return redirect("masters:application-detail", pk=master.pk)
    form = MasterApplicationForm(request.POST or None, instance=master, user=request.user)
    return _form_page(request, form, master)


@login_required
@require_safe
def application_list(request):
    """The person's own applications, and every one their units may see."""
    visible = scope(request.user, "master.view", Master.objects.all())
    form = ApplicationFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if status:
        visible = visible.filter(status=status)
    results = selectors.search_masters(visible, request.GET).select_related(*LIST_RELATED).order_by("-updated_at")
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    return render(request, "masters/application_list.html", {"page": page, "form": form})


@login_required
@require_safe
def application_detail(request, pk: int):
    master = get_object_or_404(
        Master.objects.select_related(*LIST_RELATED, "user").prefetch_related("techniques"), pk=pk
    )
    authorize(request.user, "master.view", master)
    history = (
        AuditEntry.objects.filter(
            content_type__app_label="masters", content_type__model="master", object_id=str(master.pk)
        )
        .select_related("actor")
        .order_by("created_at")[:200]
    )
    context = {
        "master": master,
        "eligibility": check_master_eligibility(master, timezone.localdate()),
        "exemption": current_exemption(master),
        "exemptions": master.exemptions.select_related("decided_by"),
        "may_edit": permissions.may_edit(request.user, master),
        "may_decide_exemption": permissions.may_decide_exemption(request.user, master),
        "history": history,
    }
    return render(request, "masters/application_detail.html", context)


@login_required
@require_POST
def application_submit(request, pk: int):
    master = get_object_or_404(Master, pk=pk)
    services.master_application_submit(master=master, actor=request.user)
    messages.success(request, _("申请已提交，等待承办单位审核。"))
    return redirect("masters:application-detail", pk=master.pk)


@login_required
@require_POST
def application_advance(request, pk: int):
    """A decision posted by an older page (the buttons now post to workflow:move)."""
    master = get_object_or_404(Master, pk=pk)
    authorize_moves(request.user, master)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("masters:application-detail", pk=master.pk)
    to = form.cleaned_data["to"]
    stage = master.status
    services.master_application_advance(master=master, actor=request.user, to=to, reason=form.cleaned_data["reason"])
    messages.success(request, _("状态已变更为「%(state)s」") % {"state": state_label_in_current_language(Master, to)})
    if request.POST.get("next") == "queue":
        return redirect(f"{reverse('masters:review-queue')}?stage={stage}")
    return redirect("masters:application-detail", pk=master.pk)


@login_required
@require_POST
def exemption_decide(request, pk: int):
    master = get_object_or_404(Master, pk=pk)
    authorize(request.user, "master.exempt", master)
    form = ExemptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("豁免决定必须选择同意或不同意，并填写理由"))
        return redirect("masters:application-detail", pk=master.pk)
    services.master_exemption_decide(master=master, actor=request.user, **form.cleaned_data)
    messages.success(request, _("豁免决定已记录。"))
    return redirect("masters:application-detail", pk=master.pk)


@login_required
@require_safe
def review_queue(request):
    """One queue per stage the person works; each row's buttons are its moves."""
    stages = selectors.stages_for(request.user, request.GET.get("stage") or "")
    if not stages:
        authorize(request.user, "master.review")
    current = next(s for s in stages if s.active)
    rows = scope(request.user, current.act, Master.objects.filter(status=current.status))
    rows = selectors.search_masters(rows, request.GET).select_related(*LIST_RELATED).order_by("submitted_at", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    # Every row waits in the same state within the scope of the same act, so every row has the
    # moves of the first: the buttons are worked out once (the workflow core's own tag), not once
    # per row, and only the record they post for changes (templates/masters/review_queue.html).
    buttons = moves_tag({"request": request}, page[0], compact=True) if page else {}
    for own in ("obj", "csrf_token"):  # the row's, and the page's own token
        buttons.pop(own, None)
    return render(request, "masters/review_queue.html", {**buttons, "stages": stages, "current": current, "page": page})


# --- materials (MST-4) ---------------------------------------------------------------------------


@login_required
def material_list(request, pk: int):
    """The master's own materials: upload, publish, partners."""
    master = get_object_or_404(Master.objects.select_related(*LIST_RELATED), pk=pk)
    authorize(request.user, "master.material_manage", master)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_to(form):
            services.master_material_add(
                master=master,
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                product_type=data["product_type"],
                upload=data["file"],
            )
        if not form.errors:
            messages.success(request, _("资料已上传，公开后将显示在您的传承人主页上。"))
            return redirect("masters:material-list", pk=master.pk)
    materials = master.materials.prefetch_related("partners").order_by("kind", "-created_at", "-pk")
    return render(
        request,
        "masters/material_list.html",
        {"master": master, "materials": materials, "form": form, "partner_form": PartnerForm()},
    )


@login_required
@require_POST
def material_publish(request, pk: int):
    material = get_object_or_404(MasterMaterial, pk=pk)
    authorize(request.user, "master.material_manage", material)
    publish = request.POST.get("publish") == "1"
    services.master_material_publish(material=material, actor=request.user, publish=publish)
    messages.success(request, _("资料已公开。") if publish else _("资料已取消公开。"))
    return redirect("masters:material-list", pk=material.master_id)


@login_required
@require_POST
def material_remove(request, pk: int):
    material = get_object_or_404(MasterMaterial, pk=pk)
    master_id = material.master_id
    services.master_material_remove(material=material, actor=request.user)
    messages.success(request, _("资料已删除。"))
    return redirect("masters:material-list", pk=master_id)


@login_required
@require_POST
def partner_add(request, pk: int):
    material = get_object_or_404(MasterMaterial, pk=pk)
    authorize(request.user, "master.material_manage", material)
    form = PartnerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("合作单位：必须填写名称并选择合作类型"))
    else:
        services.material_partner_add(material=material, actor=request.user, **form.cleaned_data)
        messages.success(request, _("合作单位已登记。"))
    return redirect("masters:material-list", pk=material.master_id)


@require_safe
def material_file(request, pk: int):
    """The file of a material, with the type stored at upload (lib.files.serve_file: videos,
    images and PDFs shown in the page, anything else downloaded). Published materials of certified
    masters are public; others only for the master and staff in scope (404 for anyone else)."""
    material = get_object_or_404(MasterMaterial.objects.select_related("master"), pk=pk)
    if not material.is_public:
        if not request.user.is_authenticated:
            raise Http404
        authorize(request.user, "master.material_view", material)
    # Public files may be cached; the others are private to those who passed the check above.
    return serve_file(
        material.file, content_type=material.mime, download_name=material.title, private=not material.is_public
    )
