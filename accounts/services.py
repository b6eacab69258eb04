"""Writes for people, organizations and tokens. Each is one transaction and leaves an audit row."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    ApiToken,
    LoginSession,
    Membership,
    MembershipRequest,
    Organization,
    PhoneCode,
    PrivacyConsent,
    Region,
    User,
)
from lib import fieldcrypt
from lib.errors import ApplicationError, ConflictError
from lib.identifiers import validate_mobile, validate_resident_id
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record, state_label


def _role_label(role: str) -> str:
    with translation.override("zh-hans"):
        return str(Membership.Role(role).label)


@transaction.atomic
def login_session_start(*, user: User, session_key: str, ip: str | None, user_agent: str) -> list[str]:
    """Record a new sign-in's session; beyond MAX_SESSIONS_PER_USER, end the oldest (issue 13 §10).
    Returns the keys of the sessions ended."""
    from django.conf import settings

    # Two sign-ins of one person at once: the row lock makes the second count the first.
    User.objects.select_for_update().filter(pk=user.pk).first()
    LoginSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "ip": ip, "user_agent": user_agent[:300], "created_at": timezone.now()},
    )
    limit = settings.MAX_SESSIONS_PER_USER
    keys = list(
        LoginSession.objects.filter(user=user).order_by("-created_at", "-pk").values_list("session_key", flat=True)
    )
    ended = keys[limit:]
    if ended:
        for key in ended:
            SessionStore(session_key=key).delete()
        LoginSession.objects.filter(session_key__in=ended).delete()
        audit_record(
            action=AuditEntry.Action.LOGOUT,
            actor=user,
            obj=user,
            reason=f"同时登录超过 {limit} 处，最早的 {len(ended)} 个登录会话已结束",
            ip=ip,
        )
    return ended


def _end_sessions(user: User) -> int:
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        SessionStore(session_key=key).delete()
    LoginSession.objects.filter(user=user).delete()
    return len(keys)


@workflow.atomic()
def user_disable(*, user: User, actor: User, reason: str, expect: bool | None = None) -> User:
    """Disable an account and end every session it has, at once (issue 2 §7)."""
    if not reason.strip():
        raise ApplicationError(_("停用账号必须填写原因"), field="reason")
    if user.pk == actor.pk:
        raise ApplicationError(_("不能停用自己的账号"), field="reason")
    locked = workflow.transition(workflow.lock(user), False, actor=actor, reason=reason, expect=expect)
    _end_sessions(locked)
    return locked


@workflow.atomic()
def user_enable(*, user: User, actor: User, reason: str, expect: bool | None = None) -> User:
    if not reason.strip():
        raise ApplicationError(_("启用账号必须填写原因"), field="reason")
    return workflow.transition(workflow.lock(user), True, actor=actor, reason=reason, expect=expect)


def user_move(user: User, *, to: bool, actor: User, reason: str, expect=None) -> User:
    """MOVE_SERVICE of User: the workflow buttons' way in."""
    if to:
        return user_enable(user=user, actor=actor, reason=reason, expect=expect)
    return user_disable(user=user, actor=actor, reason=reason, expect=expect)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str,
    region: Region | None = None,
    phone: str = "",
    email: str = "",
    id_number: str = "",
    actor: User | None = None,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("用户名「%(name)s」已被使用") % {"name": username}, field="username")
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    user = User(username=username, full_name=full_name, region=region, phone=phone, email=email)
    if id_number:
        user.set_id_number(validate_resident_id(id_number))
    # One account per phone and per ID number. These checks, like the username's, say why; in a
    # race the unique constraints decide (IntegrityError), so full_clean below does not re-ask.
    if user.phone_hash and User.objects.filter(phone_hash=user.phone_hash).exists():
        raise ConflictError(_("该手机号码已登记在平台的另一账号下"), field="phone")
    if user.id_number_hash and User.objects.filter(id_number_hash=user.id_number_hash).exists():
        raise ConflictError(_("该身份证号码已登记在平台的另一账号下"), field="id_number")
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    user.save()
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=user, to_state="启用")
    return user


@transaction.atomic
def membership_grant(
    *, user: User, organization: Organization, role: str, actor: User | None = None, reason: str = ""
) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, organization=organization, role=role)
    if created:
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=membership,
            organization=organization,
            to_state=_role_label(membership.role),
            reason=reason,
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: User | None, reason: str = "") -> None:
    """Take a role away (issue 13 §6): the audit row names who, whose role, which role and which
    unit (object_repr "person · unit · role"), before the row goes."""
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        return  # already revoked, by someone else at the same moment
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=locked,
        organization=locked.organization,
        from_state=_role_label(locked.role),
        to_state="已撤销",
        reason=reason,
    )
    locked.delete()


@transaction.atomic
def membership_change(
    *, membership: Membership, user: User, organization: Organization, role: str, actor: User | None, reason: str = ""
) -> Membership:
    """Moving a role to another unit or person, or changing it, is a revocation and a grant, each
    audited (the admin's edit of a membership row)."""
    old = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if old is not None and (old.user_id, old.organization_id, old.role) == (user.pk, organization.pk, role):
        return old
    if old is not None:
        membership_revoke(membership=old, actor=actor, reason=reason)
    return membership_grant(user=user, organization=organization, role=role, actor=actor, reason=reason)


def password_changed(*, user: User, actor: User, reason: str) -> None:
    """A password was changed by its owner or set by an administrator (issue 13 §6)."""
    audit_record(action=AuditEntry.Action.PASSWORD_CHANGE, actor=actor, obj=user, reason=reason)


def password_reset_completed(*, user: User) -> None:
    """A new password was set through an e-mailed reset link (issue 13 §6)."""
    audit_record(action=AuditEntry.Action.PASSWORD_RESET, actor=user, obj=user, reason="通过邮件链接设置了新密码")


@transaction.atomic
def organization_create(*, actor: User | None = None, **fields) -> Organization:
    organization = Organization(**fields)
    if organization.kind == Organization.Kind.WORKSTATION:
        # A workstation exists only once its host unit approves it (000 §六).
        if organization.host_id is None:
            raise ApplicationError(_("项目工作站必须指定批准设立的主办单位"), field="host")
        organization.status = Organization.Status.PENDING
    organization.full_clean()
    organization.save()
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=organization,
        organization=organization,
        to_state=state_label(Organization, organization.status),
    )
    return organization


@workflow.atomic()
def organization_move(
    organization: Organization, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Organization:
    """Every move of an organization (a workstation's approval, its resubmission): MOVE_SERVICE."""
    if organization.kind != Organization.Kind.WORKSTATION:
        raise ApplicationError(_("只有项目工作站需要主办单位批准"))
    if to in Organization.REASON_REQUIRED and not reason.strip():
        raise ApplicationError(_("不批准时必须填写原因"), field="reason")
    return workflow.transition(workflow.lock(organization), to, actor=actor, reason=reason, expect=expect)


def workstation_decide(*, workstation: Organization, actor: User, approve: bool, reason: str) -> Organization:
    to = Organization.Status.ACTIVE if approve else Organization.Status.REJECTED
    return organization_move(workstation, to=to, actor=actor, reason=reason)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写令牌用途"), field="name")
    if len(name) > 64:
        raise ApplicationError(_("令牌用途不能超过 64 个字"), field="name")
    raw = "cc_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=_token_hash(raw), prefix=raw[:10])
    audit_record(action=AuditEntry.Action.TOKEN, actor=user, obj=token, to_state="有效", reason=name)
    return token, raw


def api_token_move(token: ApiToken, *, to: str, actor: User, reason: str = "", expect: str | None = None) -> ApiToken:
    return api_token_revoke(token=token, actor=actor, expect=expect)


@workflow.atomic()
def api_token_revoke(*, token: ApiToken, actor: User, expect: str | None = None) -> ApiToken:
    locked = workflow.transition(
        workflow.lock(token), ApiToken.Status.REVOKED, actor=actor, reason="撤销 API 令牌", expect=expect
    )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    return locked


def api_token_key(raw: str) -> str:
    """What a token is known by outside this module (its rate-limit count): its hash, never itself."""
    return _token_hash(raw)


def api_token_authenticate(raw: str) -> User | None:
    """The token's person, if the token is active and unexpired and its account is enabled and not
    locked out after failed sign-ins (issue 13 §9): a token must not outlive the password's lock."""
    from accounts.lockout import account_locked

    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(raw), status=ApiToken.Status.ACTIVE, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None or account_locked(token.user.get_username()):
        return None
    # Touch at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def personal_data_viewed(*, viewer: User, person: User, fields: str) -> None:
    """Every view of personal data is logged (OPS-1)."""
    audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=viewer, obj=person, reason=fields)


def password_reset_requested(*, email: str, refused: bool) -> None:
    """A reset link was asked for (issue 13 §9): the row names the address typed and, when an
    account has it, the account; the requester is told neither."""
    person = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first() if email else None
    audit_record(
        action=AuditEntry.Action.PASSWORD_RESET,
        actor_label=email[:150],
        obj=person,
        reason="申请重置密码：请求过于频繁，已拒绝" if refused else "申请重置密码",
        outcome=AuditEntry.Outcome.DENIED if refused else AuditEntry.Outcome.SUCCESS,
    )


# --- self-registration (issue 12 §1) --------------------------------------------------------------

# The version of the privacy notice a consent is given to (templates/accounts/privacy_notice.html).
# Change it whenever the notice changes: consents name the text that was shown.
PRIVACY_NOTICE_VERSION = "2026-12-v1"
# Said wherever self-registration is asked for while no SMS gateway is configured (accounts/sms.py).
REGISTRATION_CLOSED = gettext_lazy(
    "自助注册暂未开放：平台尚未接入短信网关。请联系所在单位或县（市、区）卫生健康部门开设账号。"
)


def _code_hash(phone_hash: str, code: str) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac("accounts.PhoneCode", f"{phone_hash}:{code}", algorithm="sha256").hexdigest()


def phone_code_send(*, phone: str, purpose: str, ip: str | None) -> PhoneCode:
    """Make a fresh code for `phone`, retire the number's earlier ones, and send it after commit.
    The caller has counted the request against the rate limits (accounts/ratelimits.py)."""
    from django.conf import settings

    from accounts.sms import SmsSendError, get_backend, registration_open

    if not registration_open():
        raise ApplicationError(str(REGISTRATION_CLOSED), field="phone")
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        raise ApplicationError(_("手机号码：%(error)s") % {"error": exc.messages[0]}, field="phone") from None
    digest = fieldcrypt.phone_hash(phone)
    if purpose == PhoneCode.Purpose.REGISTER and User.objects.filter(phone_hash=digest).exists():
        raise ConflictError(_("手机号码：该号码已登记在平台的另一账号下，请直接登录或找回密码"), field="phone")
    code = f"{secrets.randbelow(10**6):06d}"
    lifetime = settings.SMS_CODE_LIFETIME_SECONDS
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.filter(phone_hash=digest, purpose=purpose, used_at=None).update(expires_at=now)
        row = PhoneCode.objects.create(
            phone_hash=digest,
            purpose=purpose,
            code_hash=_code_hash(digest, code),
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime),
            ip=ip,
        )
    try:
        get_backend().send_code(phone=phone, code=code, purpose=purpose, lifetime_minutes=max(lifetime // 60, 1))
    except SmsSendError:
        PhoneCode.objects.filter(pk=row.pk).update(expires_at=now)
        raise ApplicationError(_("验证码：短信发送失败，请稍后再试"), field="code") from None
    return row


def phone_code_verify(*, phone: str, code: str, purpose: str) -> PhoneCode:
    """Check the code typed for `phone`. A wrong code counts against the code's tries, in a
    transaction of its own, so that the count stands when the caller's step is refused."""
    from django.conf import settings

    digest = fieldcrypt.phone_hash(phone)
    code = (code or "").strip()
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone_hash=digest, purpose=purpose, used_at=None)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            raise ApplicationError(_("验证码：请先获取短信验证码"), field="code")
        if row.expires_at <= timezone.now():
            raise ApplicationError(_("验证码：验证码已过期，请重新获取"), field="code")
        if row.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            raise ApplicationError(_("验证码：输错次数过多，请重新获取"), field="code")
        if not secrets.compare_digest(row.code_hash, _code_hash(digest, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = settings.SMS_CODE_MAX_ATTEMPTS - row.attempts
            wrong = _("验证码：验证码不正确，还可以再试 %(n)d 次") % {"n": left}
            error = ApplicationError(wrong if left else _("验证码：输错次数过多，请重新获取"), field="code")
        else:
            error = None
            if row.verified_at is None:
                row.verified_at = timezone.now()
                row.save(update_fields=["verified_at"])
    if error is not None:
        raise error
    return row


def user_register(
    *,
    username: str,
    password: str,
    full_name: str,
    id_number: str,
    phone: str,
    code: str,
    region: Region,
    role: str,
    organization: Organization | None = None,
    email: str = "",
    consent_general: bool,
    consent_sensitive: bool,
    ip: str | None = None,
) -> User:
    """A person registers themselves: the account, both consents and, when they name a unit, a
    request the unit's admin confirms — all or nothing (_user_register_atomic). The phone code is
    checked first in a step of its own (phone_code_verify), then consumed with the rest."""
    if not consent_general:
        raise ApplicationError(_("个人信息处理规则：须阅读并同意后才能注册"), field="consent_general")
    if not consent_sensitive:
        raise ApplicationError(
            _("敏感个人信息单独同意：身份证号码属于敏感个人信息，须单独同意后才能注册"), field="consent_sensitive"
        )
    if role not in MembershipRequest.REQUESTABLE_ROLES:
        # Staff roles are granted by a unit, never asked for at registration.
        raise ApplicationError(_("注册身份：只能选择师承申请人或技术持有人"), field="role")
    if not (full_name or "").strip():
        raise ApplicationError(_("姓名：请填写真实姓名"), field="full_name")
    if organization is not None and organization.status != Organization.Status.ACTIVE:
        raise ApplicationError(_("所在单位：该单位尚未批准设立或已撤销"), field="organization")
    try:
        id_number = validate_resident_id(id_number)
    except ValidationError as exc:
        raise ApplicationError(_("身份证号码：%(error)s") % {"error": exc.messages[0]}, field="id_number") from None
    if User.objects.filter(id_number_hash=fieldcrypt.keyed_hash(id_number)).exists():
        raise ConflictError(
            _("身份证号码：该号码已注册过账号，一个身份证号码只能注册一个账号；请直接登录或找回密码"),
            field="id_number",
        )
    # Outside the account's transaction: a wrong code's count must stand when the step is refused.
    verified = phone_code_verify(phone=phone, code=code, purpose=PhoneCode.Purpose.REGISTER)
    return _user_register_atomic(
        verified=verified,
        username=username,
        password=password,
        full_name=full_name,
        id_number=id_number,
        phone=phone,
        region=region,
        role=role,
        organization=organization,
        email=email,
        ip=ip,
    )


@transaction.atomic
def _user_register_atomic(
    *,
    verified: PhoneCode,
    username: str,
    password: str,
    full_name: str,
    id_number: str,
    phone: str,
    region: Region,
    role: str,
    organization: Organization | None,
    email: str,
    ip: str | None,
) -> User:
    # Consume the code with the account: two registrations racing on one code, one wins.
    consumed = PhoneCode.objects.filter(pk=verified.pk, used_at=None).update(used_at=timezone.now())
    if not consumed:
        raise ApplicationError(_("验证码：该验证码已使用，请重新获取"), field="code")
    try:
        with transaction.atomic():
            user = user_create(
                username=username,
                password=password,
                full_name=full_name.strip(),
                region=region,
                phone=phone,
                email=email,
                id_number=id_number,
            )
    except ValidationError as exc:
        # The password rules (AUTH_PASSWORD_VALIDATORS) and the model's own checks.
        errors = getattr(exc, "error_dict", None)
        if errors:
            name, messages = next(iter(errors.items()))
            field = {"__all__": None}.get(name, name)
            raise ApplicationError("；".join(m for e in messages for m in e.messages), field=field) from None
        raise ApplicationError(_("密码：%(error)s") % {"error": "；".join(exc.messages)}, field="password") from None
    except IntegrityError:
        # Another registration with this ID number or phone committed between the check and here.
        raise ConflictError(_("身份证号码或手机号码已注册过账号"), field="id_number") from None
    now = timezone.now()
    for kind in (PrivacyConsent.Kind.GENERAL, PrivacyConsent.Kind.SENSITIVE):
        PrivacyConsent.objects.create(user=user, kind=kind, version=PRIVACY_NOTICE_VERSION, consented_at=now, ip=ip)
    if organization is not None:
        membership_request_create(user=user, organization=organization, role=role)
    return user


def membership_request_create(*, user: User, organization: Organization, role: str) -> MembershipRequest:
    from notifications.services import notify

    request = MembershipRequest.objects.create(user=user, organization=organization, role=role)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=user,
        obj=request,
        organization=organization,
        to_state=state_label(MembershipRequest, request.status),
        reason=_role_label(role),
    )
    # Made already in its state, so no move announces it: the unit's admins are told here.
    notify(
        recipients=organization.unit_admins(),
        title=_("待确认单位人员：%(obj)s") % {"obj": request},
        url=request.get_absolute_url(),
    )
    return request


@workflow.atomic()
def membership_request_move(
    request: MembershipRequest, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> MembershipRequest:
    """The unit admin confirms (the membership is made, with the role asked for) or refuses."""
    if to in MembershipRequest.REASON_REQUIRED and not reason.strip():
        raise ApplicationError(_("不予确认时必须填写原因"), field="reason")
    locked = workflow.transition(workflow.lock(request), to, actor=actor, reason=reason, expect=expect)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decided_at"])
    if to == MembershipRequest.Status.APPROVED:
        membership_grant(
            user=locked.user, organization=locked.organization, role=locked.role, actor=actor, reason=reason
        )
    return locked
