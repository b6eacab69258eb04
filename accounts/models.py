"""People, organizations, their roles, and the regions they sit in (ORG-1, ORG-2, ORG-3)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.duties import Duty
from lib import fieldcrypt
from lib.identifiers import CreditCodeValidator, mask_resident_id
from workflow.maps import Notice


class Region(models.Model):
    """An administrative division with its official code (accounts/data/README.md cites the source).

    `prefix` is the code without its zero padding (140800 → 1408, 140802001 stays). Every
    division below a region has a code that starts with the region's prefix, so "in this county or
    below" is one indexed `prefix LIKE '140802%'` instead of a recursive walk.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")
        VILLAGE = "village", _("村级")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级区划")
    )
    prefix = models.CharField(_("代码前缀"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        # `prefix` is unique, so Django also gives it a varchar_pattern_ops index on PostgreSQL:
        # the LIKE 'prefix%' of scope queries uses it.
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def prefix_of(code: str, level: str) -> str:
        if level in (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY):
            digits = {"province": 2, "city": 4, "county": 6}[level]
            return code[:digits]
        return code

    def contains(self, other: Region | None) -> bool:
        return other is not None and other.prefix.startswith(self.prefix)

    @property
    def full_name(self) -> str:
        names = [r.name for r in self.ancestors()] + [self.name]
        return "".join(names)

    def ancestors(self) -> list[Region]:
        """Ancestors from the top, read in one query from the code prefixes."""
        prefixes = [self.prefix[:n] for n in (2, 4, 6, 9) if n < len(self.prefix)]
        return list(Region.objects.filter(prefix__in=prefixes).order_by("prefix"))


def in_regions(path: str, regions: list[Region]) -> Q:
    """Records whose region (reached through `path`, e.g. "organization__region") lies in any of
    `regions` or below: the regional half of every model's `scope_q`."""
    q = Q(pk__in=[])
    for region in regions:
        q |= Q(**{f"{path}__prefix__startswith": region.prefix})
    return q


class User(AbstractUser):
    """A person. Roles are not on the person: they come from memberships in organizations."""

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("所在地区")
    )
    # The resident ID number is stored encrypted with a keyed hash for exact look-up; see
    # lib/fieldcrypt.py and docs/security.md. Use `id_number` to read it, `set_id_number` to write.
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The phone is stored encrypted like the ID number (issue 13 §12), with the keyed hash of its
    # 11-digit form (lib/fieldcrypt.phone_hash) for look-up: one account per phone and per ID
    # number, so that two imports of the same person cannot make two accounts. Read and write it
    # as `phone` (the property below), which keeps the two in step.
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    # When the password was last set (User.save): staff and admin passwords expire after
    # PASSWORD_MAX_AGE_DAYS (accounts/passwords.py).
    password_changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now, editable=False)
    # Separated duties of the platform's administrators (accounts/duties.py): one field, so one
    # account holds at most one of the three.
    admin_duty = models.CharField(
        _("管理职责"),
        max_length=10,
        choices=Duty.choices,
        blank=True,
        help_text=_("系统管理员、安全管理员、审计管理员三权分立，一个账号只能担任其一；须同时为后台人员"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["phone_hash"], condition=~Q(phone_hash=""), name="user_unique_phone_hash"),
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="user_unique_id_number_hash"
            ),
            models.CheckConstraint(condition=Q(admin_duty="") | Q(is_staff=True), name="user_duty_needs_staff"),
        ]

    # Enabling and disabling an account goes through workflow.transition() on `is_active`.
    TRANSITION_FIELD = "is_active"
    TRANSITIONS = {
        True: {False: "person.disable"},
        False: {True: "person.enable"},
    }
    STATE_LABELS = {True: _("启用"), False: _("停用")}
    # Workflow core (workflow/services.py): both moves need a reason; neither is anyone's to-do.
    MOVE_SERVICE = "accounts.services.user_move"
    MOVE_LABELS = {True: _("启用账号"), False: _("停用账号")}
    REASON_REQUIRED = frozenset({True, False})
    ENDING_STATES = frozenset({False})
    SIDE_MOVES = frozenset({(True, False), (False, True)})
    WAITING_SINCE = "date_joined"

    def __str__(self) -> str:
        return self.display_name

    def clean(self):
        super().clean()
        if self.admin_duty and not self.is_staff:
            from django.core.exceptions import ValidationError

            raise ValidationError({"admin_duty": _("管理职责：只有后台人员（is_staff）才能担任管理职责")})

    def get_absolute_url(self) -> str:
        return reverse("accounts:person-detail", args=[self.pk])

    @property
    def phone(self) -> str:
        return fieldcrypt.decrypt(self.phone_encrypted)

    @phone.setter
    def phone(self, value: str) -> None:
        value = (value or "").strip()
        self.phone_encrypted = fieldcrypt.encrypt(value)
        self.phone_hash = fieldcrypt.phone_hash(value)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_encrypted", "phone_hash"} - {"phone"}
        # Wherever a new password is set (a form, the admin, createsuperuser), its date and its hash
        # are kept, for expiry and for the history that refuses reuse (issue 13 §10).
        new_password = self._password is not None
        if new_password:
            self.password_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        super().save(*args, **kwargs)
        if new_password:
            PasswordHistory.remember(self)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def id_number(self) -> str:
        return fieldcrypt.decrypt(self.id_number_encrypted)

    def set_id_number(self, value: str) -> None:
        self.id_number_encrypted = fieldcrypt.encrypt(value)
        self.id_number_hash = fieldcrypt.keyed_hash(value)

    @property
    def id_number_masked(self) -> str:
        return mask_resident_id(self.id_number)

    @classmethod
    def scope_q(cls, *, regions: list[Region], organization_ids: list[int]) -> Q:
        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(pk__in=Membership.objects.filter(organization_id__in=organization_ids).values("user_id"))
        return q

    @classmethod
    def owner_q(cls, user: User) -> Q:
        return Q(pk=user.pk)

    def audit_organization(self) -> Organization | None:
        # A person's audit rows are filed under their first unit, so that unit's region's
        # office staff see them.
        membership = self.memberships.order_by("pk").select_related("organization").first()
        return membership.organization if membership else None


class Organization(models.Model):
    """A unit of either programme (ORG-1)."""

    class Kind(models.TextChoices):
        GUIDING = "guiding", _("指导单位")
        HOST = "host", _("主办单位")
        SUPPORTING = "supporting", _("支持单位")
        ORGANIZING = "organizing", _("承办单位")
        WORKSTATION = "workstation", _("项目工作站")
        MEDICAL = "medical", _("医疗机构")
        GOVERNMENT = "government", _("政府部门")

    class Department(models.TextChoices):
        HEALTH = "health", _("卫生健康委员会")
        FINANCE = "finance", _("财政局")
        SCIENCE = "science", _("科学技术局")
        INDUSTRY_IT = "industry_it", _("工业和信息化局")
        CULTURE_TOURISM = "culture_tourism", _("文化和旅游局")
        MARKET_REGULATION = "market_regulation", _("市场监督管理局")
        MEDICAL_INSURANCE = "medical_insurance", _("医疗保障局")

    class Status(models.TextChoices):
        PENDING = "pending", _("待批准")
        ACTIVE = "active", _("有效")
        REJECTED = "rejected", _("未批准")
        REVOKED = "revoked", _("已撤销")

    # A workstation is set up with the host unit's approval and filed with the guiding unit
    # (000 §六); other units are active from the start.
    TRANSITIONS = {
        Status.PENDING: {Status.ACTIVE: "workstation.approve", Status.REJECTED: "workstation.approve"},
        Status.ACTIVE: {Status.REVOKED: "workstation.approve"},
        Status.REJECTED: {Status.PENDING: "workstation.resubmit"},
    }
    MOVE_SERVICE = "accounts.services.organization_move"
    MOVE_LABELS = {
        Status.ACTIVE: _("批准设立"),
        Status.REJECTED: _("不批准"),
        Status.REVOKED: _("撤销"),
        Status.PENDING: _("重新提交"),
    }
    REASON_REQUIRED = frozenset({Status.REJECTED, Status.REVOKED})
    ENDING_STATES = frozenset({Status.REJECTED, Status.REVOKED})
    SIDE_MOVES = frozenset({(Status.ACTIVE, Status.REVOKED)})
    WAITING_SINCE = "created_at"
    NOTIFY = {
        Status.PENDING: Notice(_("项目工作站待批准：{obj}"), to=("act:workstation.approve",)),
        Status.ACTIVE: Notice(_("项目工作站已批准设立：{obj}"), to=("unit_admins",)),
        Status.REJECTED: Notice(_("项目工作站未获批准：{obj}"), to=("unit_admins",)),
        Status.REVOKED: Notice(_("项目工作站已撤销：{obj}"), to=("unit_admins",)),
    }

    name = models.CharField(_("单位名称"), max_length=128)
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices, db_index=True)
    department = models.CharField(_("政府部门类别"), max_length=24, choices=Department.choices, blank=True)
    region = models.ForeignKey(Region, models.PROTECT, related_name="organizations", verbose_name=_("所在地区"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, validators=[CreditCodeValidator()])
    host = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="workstations",
        limit_choices_to={"kind": "host"},
        verbose_name=_("批准设立的主办单位"),
    )
    filed_with = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "guiding"},
        verbose_name=_("报备的指导单位"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        indexes = [
            models.Index(fields=["region", "kind"]),
            models.Index(fields=["host", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="organization_unique_name_in_region"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:organization-detail", args=[self.pk])

    def unit_admins(self):
        """Who hears of the workstation's approval: its unit admins."""
        return User.objects.filter(
            is_active=True, memberships__organization=self, memberships__role=Membership.Role.UNIT_ADMIN
        ).distinct()

    @property
    def kind_label(self) -> str:
        if self.kind == self.Kind.GOVERNMENT and self.department:
            return self.get_department_display()
        if self.kind == self.Kind.MEDICAL:
            return f"{self.region.get_level_display()}{self.get_kind_display()}"
        return self.get_kind_display()

    def audit_organization(self) -> Organization:
        return self

    @classmethod
    def scope_q(cls, *, regions: list[Region], organization_ids: list[int]) -> Q:
        q = in_regions("region", regions)
        if organization_ids:
            # A host unit's people see the workstations it approves.
            q |= Q(pk__in=organization_ids) | Q(host_id__in=organization_ids)
        return q


class Membership(models.Model):
    """A person's role in an organization; a person may hold several (ORG-3)."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        MASTER = "master", _("传承人")
        APPRENTICE = "apprentice", _("师承人")
        HOLDER = "holder", _("技术持有人")
        REVIEWER = "reviewer", _("审核人员")
        EXPERT = "expert", _("评估专家")
        OFFICE_STAFF = "office_staff", _("办公室工作人员")
        UNIT_ADMIN = "unit_admin", _("单位管理员")

    user = models.ForeignKey(User, models.CASCADE, related_name="memberships", verbose_name=_("人员"))
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="memberships", verbose_name=_("单位"))
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("授予时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("成员角色")
        verbose_name_plural = _("成员角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords, newest last (PasswordHistoryValidator)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def remember(cls, user: User) -> None:
        from django.conf import settings

        cls.objects.create(user=user, password=user.password)
        keep = cls.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True)
        stale = list(keep[settings.PASSWORD_HISTORY_COUNT :])
        if stale:
            cls.objects.filter(pk__in=stale).delete()


class LoginSession(models.Model):
    """Which sessions belong to whom, so that disabling an account can end them all and a new
    sign-in beyond MAX_SESSIONS_PER_USER ends the oldest (issue 13 §10)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


def api_token_expiry():
    from django.conf import settings

    return timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once at creation.
    It stops working at `expires_at` (API_TOKEN_LIFETIME_DAYS after it is made, issue 13 §9)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已撤销")

    TRANSITIONS = {Status.ACTIVE: {Status.REVOKED: "token.revoke"}}
    MOVE_SERVICE = "accounts.services.api_token_move"
    MOVE_LABELS = {Status.REVOKED: _("撤销")}
    ENDING_STATES = frozenset({Status.REVOKED})
    SIDE_MOVES = frozenset({(Status.ACTIVE, Status.REVOKED)})

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=12)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), default=api_token_expiry)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def get_absolute_url(self) -> str:
        return reverse("accounts:token-list")

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state_label(self) -> str:
        """What the token list shows: an active token past its date has expired (it is not moved
        to another state; BearerToken refuses it by its date)."""
        if self.status == self.Status.ACTIVE and self.expired:
            return _("已过期")
        return self.get_status_display()

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        return Q(pk__in=[])  # nobody else's business, but a superuser's

    @classmethod
    def owner_q(cls, user: User) -> Q:
        return Q(user_id=user.pk)

    def audit_organization(self) -> None:
        return None


class PhoneCode(models.Model):
    """A text-message code sent to a mobile number to prove it is the person's (issue 12 §1).

    Only a keyed hash of the number and of the code are kept. A code is good until `expires_at`,
    for SMS_CODE_MAX_ATTEMPTS wrong tries, and once: `verified_at` when the right code was typed,
    `used_at` when the account it proved was made. A new code for the number retires the old."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("注册账号")

    phone_hash = models.CharField(max_length=64, editable=False)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    attempts = models.PositiveSmallIntegerField(_("输错次数"), default=0)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("请求地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone_hash", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class PrivacyConsent(models.Model):
    """A person's consent to the privacy notice, kept with the notice's version and the time
    (PIPL art. 14). Sensitive personal data (the ID number) needs a consent of its own (art. 29),
    so a registration leaves two rows."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("个人信息处理")
        SENSITIVE = "sensitive", _("敏感个人信息处理（单独同意）")

    user = models.ForeignKey(User, models.CASCADE, related_name="privacy_consents", verbose_name=_("用户"))
    kind = models.CharField(_("同意事项"), max_length=16, choices=Kind.choices)
    version = models.CharField(_("告知书版本"), max_length=20)
    consented_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    ip = models.GenericIPAddressField(_("请求地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息处理同意")
        verbose_name_plural = _("个人信息处理同意")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "version"], name="privacy_consent_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.version}"


class MembershipRequest(models.Model):
    """A self-registered person's request to be a member of a unit (issue 12 §1). Roles are never
    self-granted: the unit's admin confirms, and only then is the Membership made, with one of the
    non-staff roles in REQUESTABLE_ROLES."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待单位确认")
        APPROVED = "approved", _("已确认")
        REJECTED = "rejected", _("未确认")

    REQUESTABLE_ROLES = (Membership.Role.APPLICANT, Membership.Role.HOLDER)

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED: "membership_request.decide", Status.REJECTED: "membership_request.decide"},
    }
    MOVE_SERVICE = "accounts.services.membership_request_move"
    MOVE_LABELS = {Status.APPROVED: _("确认为本单位人员"), Status.REJECTED: _("不予确认")}
    REASON_REQUIRED = frozenset({Status.REJECTED})
    ENDING_STATES = frozenset({Status.REJECTED})
    WAITING_SINCE = "created_at"
    WAITING_RELATED = ("user", "organization")
    NOTIFY = {
        Status.APPROVED: Notice(_("单位已确认您的身份：{obj}"), to=("user",)),
        Status.REJECTED: Notice(_("单位未确认您的身份：{obj}"), to=("user",)),
    }

    user = models.ForeignKey(User, models.CASCADE, related_name="membership_requests", verbose_name=_("申请人"))
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="membership_requests", verbose_name=_("单位")
    )
    role = models.CharField(_("申请的身份"), max_length=16, choices=Membership.Role.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位人员确认")
        verbose_name_plural = _("单位人员确认")
        ordering = ["-created_at"]
        constraints = [
            # Staff roles (reviewer, office staff, unit admin, expert) cannot be asked for at all.
            models.CheckConstraint(
                condition=Q(role__in=["applicant", "holder"]), name="membership_request_non_staff_role"
            ),
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                condition=Q(status="pending"),
                name="membership_request_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.user.display_name} · {self.organization} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:organization-detail", args=[self.organization_id]) + "#membership-requests"

    def audit_organization(self) -> Organization:
        return self.organization

    @classmethod
    def scope_q(cls, *, regions: list[Region], organization_ids: list[int]) -> Q:
        return in_regions("organization__region", regions) | Q(organization_id__in=organization_ids)

    @classmethod
    def owner_q(cls, user: User) -> Q:
        return Q(user_id=user.pk)
