from django.conf import settings
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
from accounts.forms import OrganizationFilterForm, ReasonForm, RegistrationForm, TokenForm
from accounts.models import ApiToken, Membership, MembershipRequest, Organization, Region, User
from accounts.passwords import remember_expiry
from accounts.permissions import authorize, can, scope
from accounts.ratelimits import client_ip, hit, too_many
from accounts.sms import registration_open
from chuancheng.errors import errors_to
from lib import fieldcrypt
from lib.errors import ApplicationError


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
    # Self-registered people waiting for this unit's admin (issue 12 §1): shown to whoever may decide.
    membership_requests = list(
        scope(
            request.user,
            "membership_request.decide",
            organization.membership_requests.filter(status=MembershipRequest.Status.PENDING),
        ).select_related("user__region")
    )
    for pending in membership_requests:
        services.personal_data_viewed(
            viewer=request.user, person=pending.user, fields="姓名、身份证号码（脱敏）、所在地区"
        )
    context = {
        "organization": organization,
        "membership_requests": membership_requests,
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


# --- self-registration (issue 12 §1) --------------------------------------------------------------


def register(request):
    """A person registers themselves as an apprenticeship applicant or a technique holder."""
    if request.user.is_authenticated:
        return redirect("portal:workbench")
    if not registration_open():
        # No gateway to send codes: say so and whom to ask, and take nothing in.
        return render(
            request,
            "accounts/register_closed.html",
            {"message": services.REGISTRATION_CLOSED},
            status=200 if request.method == "GET" else 403,
        )
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        retry_after = hit(request, name="register_ip", key="ip")
        if retry_after is not None:
            return too_many(request, retry_after)
        if form.is_valid():
            data = form.cleaned_data
            with errors_to(form):
                services.user_register(
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    code=data["code"],
                    region=data["region"],
                    role=data["role"],
                    organization=data["organization"],
                    email=data["email"],
                    consent_general=data["consent_general"],
                    consent_sensitive=data["consent_sensitive"],
                    ip=client_ip(request),
                )
            if not form.errors:
                message = _("注册成功，请用用户名「%(name)s」和密码登录。") % {"name": data["username"]}
                if data["organization"] is not None:
                    message += _("您选择的单位「%(unit)s」确认您的身份后，您将收到通知。") % {
                        "unit": data["organization"].name
                    }
                messages.success(request, message)
                return redirect("accounts:login")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "notice_version": services.PRIVACY_NOTICE_VERSION},
        status=200,
    )


@require_POST
def register_code(request):
    """Send a registration code to the number typed (htmx from the registration page). Limited per
    number and per client address; both counts move on every request."""
    from accounts.models import PhoneCode

    phone = request.POST.get("phone", "").strip()[:20]
    waits = [hit(request, name="sms_code_ip", key="ip")]
    if phone:
        waits.append(hit(request, name="sms_code_phone", key="sms:" + fieldcrypt.phone_hash(phone)))
    retry_after = max((w for w in waits if w is not None), default=None)
    htmx = request.headers.get("HX-Request") == "true"
    if retry_after is not None:
        minutes = max(retry_after // 60, 1)
        error = _("手机号码：获取验证码过于频繁，请 %(n)d 分钟后再试") % {"n": minutes}
        response = render(request, "accounts/_code_status.html", {"error": error}, status=200 if htmx else 429)
        response["Retry-After"] = str(retry_after)
        return response
    if not phone:
        error = _("手机号码：请先填写手机号码")
        return render(request, "accounts/_code_status.html", {"error": error}, status=200 if htmx else 400)
    try:
        services.phone_code_send(phone=phone, purpose=PhoneCode.Purpose.REGISTER, ip=client_ip(request))
    except ApplicationError as exc:
        return render(
            request, "accounts/_code_status.html", {"error": exc.message}, status=200 if htmx else exc.status_code
        )
    minutes = max(settings.SMS_CODE_LIFETIME_SECONDS // 60, 1)
    return render(request, "accounts/_code_status.html", {"sent": True, "minutes": minutes})


@require_safe
def privacy_notice(request):
    return render(request, "accounts/privacy_notice.html", {"notice_version": services.PRIVACY_NOTICE_VERSION})
