from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import services
from accounts.forms import OrganizationFilterForm, ReasonForm, TokenForm
from accounts.models import ApiToken, Membership, Organization, Region, User
from accounts.passwords import remember_expiry
from accounts.permissions import authorize, can, scope
from accounts.ratelimits import hit, too_many
from chuancheng.errors import errors_to


def _form_errors(form) -> str:
    # Translators: the separator between two form errors in one message.
    separator = _("；")
    return separator.join(
        _("%(field)s：%(error)s") % {"field": form.fields[f].label, "error": e}
        for f, errors in form.errors.items()
        for e in errors
    )


@login_required
@require_safe
def organization_list(request):
    form = OrganizationFilterForm(request.GET or None)
    organizations = scope(request.user, "organization.view", Organization.objects.all())
    if form.is_valid():
        if form.cleaned_data["q"]:
            organizations = organizations.filter(name__contains=form.cleaned_data["q"])
        if form.cleaned_data["kind"]:
            organizations = organizations.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["region"]:
            organizations = organizations.filter(region__prefix__startswith=form.cleaned_data["region"].prefix)
    page = Paginator(organizations.select_related("region").order_by("kind", "name"), 50).get_page(
        request.GET.get("page")
    )
    # Member counts for this page only: grouping every organization in scope costs far more.
    counts = dict(
        Membership.objects.filter(organization__in=[o.pk for o in page])
        .values_list("organization")
        .annotate(n=Count("pk"))
    )
    for organization in page:
        organization.member_count = counts.get(organization.pk, 0)
    return render(request, "accounts/organization_list.html", {"form": form, "page": page})


@login_required
@require_safe
def organization_detail(request, pk: int):
    organization = get_object_or_404(Organization.objects.select_related("region", "host", "filed_with"), pk=pk)
    authorize(request.user, "organization.view", organization)
    memberships = organization.memberships.select_related("user").order_by("role", "user__full_name")
    workstations = organization.workstations.select_related("region").order_by("name")
    context = {
        "organization": organization,
        "memberships": memberships,
        "workstations": workstations,
        "reason_form": ReasonForm(),
    }
    return render(request, "accounts/organization_detail.html", context)


@login_required
@require_POST
def workstation_decide(request, pk: int):
    workstation = get_object_or_404(Organization, pk=pk, kind=Organization.Kind.WORKSTATION)
    authorize(request.user, "workstation.approve", workstation)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("accounts:organization-detail", pk=workstation.pk)
    approve = request.POST.get("to") == Organization.Status.ACTIVE
    services.workstation_decide(
        workstation=workstation, actor=request.user, approve=approve, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("已批准设立项目工作站") if approve else _("已记录不批准的决定"))
    return redirect("accounts:organization-detail", pk=workstation.pk)


@login_required
@require_safe
def person_detail(request, pk: int):
    person = get_object_or_404(User.objects.select_related("region"), pk=pk)
    authorize(request.user, "person.view", person)
    show_full_id = can(request.user, "person.view_id_number", person)
    services.personal_data_viewed(
        viewer=request.user,
        person=person,
        fields="姓名、手机、身份证号码" + ("（完整）" if show_full_id else "（脱敏）"),
    )
    context = {
        "person": person,
        "id_number": person.id_number if show_full_id else person.id_number_masked,
        "memberships": person.memberships.select_related("organization__region"),
        "is_self": person.pk == request.user.pk,
        "reason_form": ReasonForm(),
    }
    return render(request, "accounts/person_detail.html", context)


@login_required
@require_POST
def person_set_active(request, pk: int):
    person = get_object_or_404(User, pk=pk)
    enable = request.POST.get("to") == "True"
    authorize(request.user, "person.enable" if enable else "person.disable", person)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("accounts:person-detail", pk=person.pk)
    reason = form.cleaned_data["reason"]
    if enable:
        services.user_enable(user=person, actor=request.user, reason=reason)
        messages.success(request, _("账号已启用"))
    else:
        services.user_disable(user=person, actor=request.user, reason=reason)
        messages.success(request, _("账号已停用，该账号的所有登录会话已结束"))
    return redirect("accounts:person-detail", pk=person.pk)


@login_required
def token_list(request):
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            _token, new_token = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/token_list.html", {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("令牌「%(name)s」已撤销") % {"name": token.name})
    return redirect("accounts:token-list")


@login_required
@require_safe
def profile(request):
    return redirect("accounts:person-detail", pk=request.user.pk)


class PasswordResetView(auth_views.PasswordResetView):
    """Asking for a reset link: limited per address typed and per client address, and every
    request audited, granted or refused (issue 13 §9). The reply never says whether the address
    has an account; a refusal for too many requests says so whatever the address."""

    def post(self, request, *args, **kwargs):
        email = request.POST.get("email", "").strip().lower()[:254]
        # Both counts move on every request, so spreading over addresses or over e-mails is caught.
        waits = [hit(request, name="password_reset_ip", key="ip")]
        if email:
            waits.append(hit(request, name="password_reset_email", key=email))
        retry_after = max((w for w in waits if w is not None), default=None)
        services.password_reset_requested(email=email, refused=retry_after is not None)
        if retry_after is not None:
            return too_many(request, retry_after)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, actor=form.user, reason="本人修改密码")
        # The new password's expiry replaces the old one's, so the person is let through again.
        remember_expiry(self.request, form.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(user=form.user)
        return response


@require_safe
def region_options(request):
    """The region picker's data (accounts/widgets.py): the children of `parent`, or the matches of
    `q` by name or pinyin under `root` at `levels`. Public: the divisions are public data, and the
    registration page needs them before anyone signs in."""
    from accounts import regions

    retry_after = hit(request, name="region_lookup_ip", key="ip")
    if retry_after is not None:
        return too_many(request, retry_after)
    root = request.GET.get("root", "")[:12] or None
    levels = frozenset(v for v in request.GET.get("levels", "").split(",") if v in Region.Level.values) or None
    if "q" in request.GET:
        entries = regions.search(request.GET["q"], root=root, levels=levels)
    else:
        parent = request.GET.get("parent", "")[:12] or root
        entries = regions.children_of(parent) if parent is None or parent in regions.index() else []
        if (
            root
            and parent != root
            and not (parent in regions.index() and regions.within(regions.index()[parent], root))
        ):
            entries = []
    results = [
        {
            "code": e.code,
            "name": e.name,
            "level": e.level,
            "level_label": str(Region.Level(e.level).label),
            "label": regions.label_of(e.code, root),
            "path": [p.code for p in regions.path_of(e.code, root)],
            "selectable": levels is None or e.level in levels,
            "leaf": not regions.has_children(e.code),
        }
        for e in entries
    ]
    return JsonResponse({"results": results})
