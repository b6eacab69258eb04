"""The apprenticeship (师承关系, APP-4..8): a certified master teaching one apprentice for a term.

This module holds the relationship itself; the application that leads to it, the review, the
matching and the contract live beside it in this app, the teaching plan, activities and
graduation in `teaching`. An apprenticeship exists once both parties have signed the contract.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import in_regions
from masters.models import ExemptionDecision, Title

# The programme's own units, which see every apprenticeship (000 §三).
PROGRAMME_KINDS = ("organizing", "host", "guiding")


class Term(models.TextChoices):
    # 000 §六: the teaching term, whose hour quotas are in teaching/quotas.py.
    HALF_YEAR = "half_year", _("半年")
    ONE_YEAR = "one_year", _("一年")
    THREE_YEARS = "three_years", _("三年")


TERM_MONTHS = {Term.HALF_YEAR: 6, Term.ONE_YEAR: 12, Term.THREE_YEARS: 36}


class Apprenticeship(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("跟师学习中")
        GRADUATED = "graduated", _("已结业")
        TERMINATED = "terminated", _("已终止")

    TRANSITIONS = {
        Status.ACTIVE: {
            Status.GRADUATED: "apprenticeship.graduate",
            Status.TERMINATED: "apprenticeship.terminate",
        },
    }

    master = models.ForeignKey(
        "masters.Master", models.PROTECT, related_name="apprenticeships", verbose_name=_("传承人")
    )
    apprentice = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="apprenticeships", verbose_name=_("师承人")
    )
    # The apprentice's unit and place: the regional scope of the record.
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="apprenticeships", verbose_name=_("师承人单位")
    )
    region = models.ForeignKey("accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"))
    term = models.CharField(_("师承期限"), max_length=12, choices=Term.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("师承关系")
        verbose_name_plural = _("师承关系")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["master", "status"]),
            models.Index(fields=["apprentice", "status"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "-starts_on"]),
        ]

    def __str__(self) -> str:
        name = self.apprentice.full_name or self.apprentice.username
        return f"{self.master.name} → {name}（{self.get_term_display()}）"

    # --- scope (accounts.permissions) ---
    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Organization

        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(organization_id__in=organization_ids) | Q(master__organization_id__in=organization_ids)
            programme = Organization.objects.filter(pk__in=organization_ids, kind__in=PROGRAMME_KINDS)
            q |= Q(Exists(programme))
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        # Both parties own the relationship: the apprentice and the master.
        return Q(apprentice_id=user.pk) | Q(master__user_id=user.pk)

    def audit_organization(self):
        return self.organization

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


# --- the application, its review, matching and the contract (APP-1..4) ---------------------------


class Credential(models.TextChoices):
    """Kinds of county-or-higher certificates by which a folk practitioner qualifies (000 §五(二)2(4))."""

    EXPERTISE = "expertise", _("医术确有专长证书")
    MENTORSHIP = "mentorship", _("师承证书")
    APPROPRIATE_TECHNIQUE = "appropriate_technique", _("中医药适宜技术培训证书")


class IssuerLevel(models.TextChoices):
    # "县级及以上卫生健康行政主管部门": the level of the authority that issued a folk practitioner's certificate.
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("地市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级及以下")


class ApprenticeApplication(models.Model):
    """An application to become an apprentice 师承人 (APP-1), from draft to the signed contract."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待初审")
        RETURNED = "returned", _("已退回修改")
        VETTED = "vetted", _("初审通过")
        APPROVED = "approved", _("审核通过")
        CONTRACTED = "contracted", _("已签约")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    # 000 §四(二): the organizing unit (承办单位) checks authenticity and validity, then the host
    # unit (主办单位) approves and the applicant becomes a 师承人; §四(三): matching and the contract.
    TRANSITIONS = {
        Status.DRAFT: {
            Status.SUBMITTED: "apprentice_application.submit",
            Status.WITHDRAWN: "apprentice_application.submit",
        },
        Status.RETURNED: {
            Status.SUBMITTED: "apprentice_application.submit",
            Status.WITHDRAWN: "apprentice_application.submit",
        },
        Status.SUBMITTED: {
            Status.VETTED: "apprentice_application.vet",
            Status.RETURNED: "apprentice_application.vet",
            Status.REJECTED: "apprentice_application.vet",
        },
        Status.VETTED: {
            Status.APPROVED: "apprentice_application.approve",
            Status.RETURNED: "apprentice_application.approve",
            Status.REJECTED: "apprentice_application.approve",
        },
        # Both parties signing the contract closes the application (apprentice_contract_sign).
        Status.APPROVED: {Status.CONTRACTED: "apprentice_contract.sign"},
    }

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="apprentice_applications", verbose_name=_("申请人")
    )
    name = models.CharField(_("姓名"), max_length=64)
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="apprentice_applications", verbose_name=_("工作单位")
    )
    region = models.ForeignKey("accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"))
    title = models.CharField(_("职称"), max_length=16, choices=Title.choices)
    specialty = models.CharField(_("专业方向"), max_length=200)
    intention = models.TextField(_("师承意向"), blank=True, help_text=_("希望学习的技术、病种或方向"))
    term = models.CharField(_("师承期限"), max_length=12, choices=Term.choices, default=Term.ONE_YEAR)
    masters = models.ManyToManyField(
        "masters.Master", through="IntendedMaster", related_name="+", verbose_name=_("意向传承人")
    )
    # 000 §五(二)2(4): folk practitioners 民间中医 qualify by a unit's recommendation or a
    # county-or-higher certificate instead of a title.
    is_folk_practitioner = models.BooleanField(_("民间中医"), default=False)
    recommending_organization = models.ForeignKey(
        "accounts.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("推荐单位"),
    )
    credential = models.CharField(_("认可证书"), max_length=24, choices=Credential.choices, blank=True)
    credential_issuer_level = models.CharField(
        _("发证机关级别"), max_length=12, choices=IssuerLevel.choices, blank=True
    )
    exemption_requested = models.BooleanField(_("申请特殊专长豁免"), default=False)
    exemption_claim = models.TextField(_("特殊专长或贡献说明"), blank=True)
    # Each submission opens a review round; documents and decisions carry the round they belong to.
    round = models.PositiveSmallIntegerField(_("审核轮次"), default=0)
    # Set when an organizing unit submitted the application on the person's behalf (batch channel).
    entered_by_organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("统一办理单位")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("师承申请")
        verbose_name_plural = _("师承申请")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["applicant", "status"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "region"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} 的师承申请"

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Organization

        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(organization_id__in=organization_ids) | Q(entered_by_organization_id__in=organization_ids)
            # The programme's units handle an application once it has left its author; a draft
            # reaches them only when its author asks for an exemption (decided before submission).
            programme = Organization.objects.filter(pk__in=organization_ids, kind__in=PROGRAMME_KINDS)
            q |= Q(Exists(programme)) & (~Q(status=cls.Status.DRAFT) | Q(exemption_requested=True))
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        # The applicant, and a master to whom the application has been proposed (to decide on it).
        proposed = Match.objects.filter(application=models.OuterRef("pk"), master__user_id=user.pk)
        return Q(applicant_id=user.pk) | Q(Exists(proposed))

    def audit_organization(self):
        return self.organization

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# An application in these states holds its intended masters: the same person cannot apply to the
# same master again until it is closed.
OPEN_STATUSES = (
    ApprenticeApplication.Status.DRAFT,
    ApprenticeApplication.Status.SUBMITTED,
    ApprenticeApplication.Status.RETURNED,
    ApprenticeApplication.Status.VETTED,
    ApprenticeApplication.Status.APPROVED,
)


class IntendedMaster(models.Model):
    """A master the applicant asks to learn from. `applicant` and `is_open` are copies kept by the
    services so that the database itself refuses a second open application to the same master."""

    application = models.ForeignKey(ApprenticeApplication, models.CASCADE, related_name="intents")
    master = models.ForeignKey("masters.Master", models.PROTECT, related_name="apprentice_intents")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("志愿顺序"), default=1)
    is_open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("意向传承人")
        verbose_name_plural = _("意向传承人")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "master"], name="intent_unique_master_per_application"),
            models.UniqueConstraint(
                fields=["applicant", "master"],
                condition=Q(is_open=True),
                name="intent_one_open_application_per_master",
            ),
        ]
        indexes = [models.Index(fields=["master", "is_open"])]

    def __str__(self) -> str:
        return f"{self.application} → {self.master}"


class Document(models.TextChoices):
    # 000 §四(一): 报名信息表（含个人简历）、学历学位证书、医师资格证书、职称证书或相关技能证书.
    RESUME = "resume", _("报名信息表（含个人简历）")
    DEGREE = "degree", _("学历学位证书")
    QUALIFICATION = "qualification", _("医师资格证书")
    TITLE = "title", _("职称证书")
    SKILL = "skill", _("相关技能证书")
    RECOMMENDATION = "recommendation", _("单位推荐函")
    CREDENTIAL = "credential", _("县级及以上认可证书")


class ApplicationDocument(models.Model):
    """An uploaded document. A replacement supersedes the earlier file of the same kind but the
    earlier one stays, with its decisions, for the history of every round."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("通过")
        RETURNED = "returned", _("退回修改")
        REJECTED = "rejected", _("不予认可")

    application = models.ForeignKey(ApprenticeApplication, models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类别"), max_length=16, choices=Document.choices)
    file = models.FileField(_("文件"), upload_to="apprenticeships/documents/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(default=0)
    round = models.PositiveSmallIntegerField(_("上传轮次"), default=0)
    superseded = models.BooleanField(_("已被替换"), default=False)
    verdict = models.CharField(_("审核结论"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["kind", "-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["application", "superseded", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"


class DocumentReview(models.Model):
    """The organizing unit's decision on one document in one round (APP-3): who, when, why."""

    document = models.ForeignKey(ApplicationDocument, models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField(_("审核轮次"))
    verdict = models.CharField(_("审核结论"), max_length=10, choices=ApplicationDocument.Verdict.choices)
    reason = models.TextField(_("意见"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("审核人"))
    decided_at = models.DateTimeField(_("审核时间"), default=timezone.now)

    class Meta:
        verbose_name = _("材料审核")
        verbose_name_plural = _("材料审核")
        ordering = ["round", "decided_at", "pk"]
        indexes = [models.Index(fields=["document", "round"])]

    def __str__(self) -> str:
        return f"{self.document} · 第 {self.round} 轮 · {self.get_verdict_display()}"


class ApplicationExemption(ExemptionDecision):
    """A decision on an apprentice's exemption from title limits (000 §五(二))."""

    application = models.ForeignKey(ApprenticeApplication, models.CASCADE, related_name="exemptions")

    class Meta(ExemptionDecision.Meta):
        indexes = [models.Index(fields=["application", "-decided_at"])]

    def __str__(self) -> str:
        return f"{self.application.name} · {'同意' if self.granted else '不同意'}豁免"


class Match(models.Model):
    """An approved applicant proposed to a master (APP-4): the master accepts or declines; an
    accepted match carries the contract until both parties have signed it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待传承人确认")
        ACCEPTED = "accepted", _("已接受，待签约")
        DECLINED = "declined", _("传承人已谢绝")
        SIGNED = "signed", _("已签约")
        CANCELLED = "cancelled", _("已取消")

    TRANSITIONS = {
        Status.PROPOSED: {
            Status.ACCEPTED: "apprentice_match.decide",
            Status.DECLINED: "apprentice_match.decide",
            Status.CANCELLED: "apprentice_match.propose",
        },
        Status.ACCEPTED: {Status.SIGNED: "apprentice_contract.sign", Status.CANCELLED: "apprentice_match.propose"},
    }

    application = models.ForeignKey(ApprenticeApplication, models.PROTECT, related_name="matches")
    master = models.ForeignKey("masters.Master", models.PROTECT, related_name="apprentice_matches")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_reason = models.TextField(_("传承人意见"), blank=True)
    contract = models.FileField(_("师承关系合同书"), upload_to="apprenticeships/contracts/%Y/", blank=True)
    contract_number = models.CharField(_("合同编号"), max_length=24, blank=True)
    apprenticeship = models.OneToOneField(
        Apprenticeship, models.PROTECT, null=True, blank=True, related_name="match", verbose_name=_("师承关系")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("师徒匹配")
        verbose_name_plural = _("师徒匹配")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            # One live proposal per application: the next master is proposed only after a decline.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["proposed", "accepted", "signed"]),
                name="match_one_live_per_application",
            ),
        ]
        indexes = [models.Index(fields=["master", "status"]), models.Index(fields=["status", "proposed_at"])]

    def __str__(self) -> str:
        return f"{self.application.name} → {self.master.name}"

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Organization

        q = in_regions("application__region", regions)
        if organization_ids:
            q |= Q(application__organization_id__in=organization_ids)
            programme = Organization.objects.filter(pk__in=organization_ids, kind__in=PROGRAMME_KINDS)
            q |= Q(Exists(programme))
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(application__applicant_id=user.pk) | Q(master__user_id=user.pk)

    def audit_organization(self):
        return self.application.organization


class Party(models.TextChoices):
    APPRENTICE = "apprentice", _("师承人")
    MASTER = "master", _("传承人")


class ContractSignature(models.Model):
    """One party's signature on the contract: in the platform (time and address recorded) or an
    uploaded signed scan, checked by content."""

    class Method(models.TextChoices):
        ONLINE = "online", _("平台内签署")
        SCAN = "scan", _("上传签字扫描件")

    match = models.ForeignKey(Match, models.CASCADE, related_name="signatures")
    party = models.CharField(_("签署方"), max_length=10, choices=Party.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("签署人"))
    method = models.CharField(_("签署方式"), max_length=8, choices=Method.choices)
    signed_at = models.DateTimeField(_("签署时间"), default=timezone.now)
    ip = models.GenericIPAddressField(_("签署 IP"), null=True, blank=True)
    scan = models.FileField(_("签字扫描件"), upload_to="apprenticeships/signatures/%Y/", blank=True)

    class Meta:
        verbose_name = _("合同签署")
        verbose_name_plural = _("合同签署")
        ordering = ["signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["match", "party"], name="signature_one_per_party")]

    def __str__(self) -> str:
        return f"{self.match} · {self.get_party_display()}签署"
