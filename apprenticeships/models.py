"""The apprenticeship (师承关系, APP-4..8): a certified master teaching one apprentice for a term.

This module holds the relationship itself; the application that leads to it, the review, the
matching and the contract live beside it in this app, the teaching plan, activities and
graduation in `teaching`. An apprenticeship exists once both parties have signed the contract.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import in_regions
from lib.files import ServerName
from masters.models import ExemptionDecision, Title
from workflow.maps import Notice

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
    MOVE_SERVICE = "apprenticeships.services.apprenticeship_move"
    MOVE_LABELS = {Status.GRADUATED: _("颁发师承证书"), Status.TERMINATED: _("终止师承关系")}
    REASON_REQUIRED = frozenset({Status.TERMINATED})
    ENDING_STATES = frozenset({Status.TERMINATED})
    # Graduation waits on the graduation record's own workflow (teaching: materials, the master's
    # assessment), whose steps are the to-dos; ending early is nobody's task.
    SIDE_MOVES = frozenset({(Status.ACTIVE, Status.GRADUATED), (Status.ACTIVE, Status.TERMINATED)})
    # An apprenticeship is created active when both parties have signed: Match.NOTIFY[SIGNED] tells them.
    NOTIFY = {
        # The apprentice hears of graduation from the certificate itself (certificates.services.
        # certificate_issue): one notice for one certificate.
        Status.GRADUATED: Notice(_("师承关系已结业：{obj}"), to=("master.user",)),
        Status.TERMINATED: Notice(
            _("师承关系已终止：{obj}"), to=("apprentice", "master.user"), body=_("终止原因：{reason}")
        ),
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

    def get_absolute_url(self) -> str:
        return reverse("apprenticeships:apprenticeship-detail", args=[self.pk])

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

    def move_pages(self) -> dict:
        # Graduation issues the certificate, on the graduation page where the assessment is read.
        return {self.Status.GRADUATED: reverse("teaching:graduation", args=[self.pk])}

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
    MOVE_SERVICE = "apprenticeships.services.apprentice_application_move"
    MOVE_LABELS = {
        Status.SUBMITTED: _("提交申请"),
        Status.WITHDRAWN: _("撤回申请"),
        Status.VETTED: _("初审通过"),
        Status.APPROVED: _("审核通过"),
        Status.RETURNED: _("退回修改"),
        Status.REJECTED: _("不予通过"),
        Status.CONTRACTED: _("签订合同"),
    }
    REASON_REQUIRED = frozenset({Status.RETURNED, Status.REJECTED})
    ENDING_STATES = frozenset({Status.REJECTED, Status.WITHDRAWN})
    SIDE_MOVES = frozenset(
        {
            # A draft is its author's work in progress, not a task anyone set them; withdrawing is
            # never a task.
            (Status.DRAFT, Status.SUBMITTED),
            (Status.DRAFT, Status.WITHDRAWN),
            (Status.RETURNED, Status.WITHDRAWN),
            # The contract is signed on the match, where each party's signature is their to-do.
            (Status.APPROVED, Status.CONTRACTED),
        }
    )
    WAITING_SINCE = "submitted_at"
    NOTIFY = {
        Status.SUBMITTED: Notice(
            _("师承申请待初审：{obj.name}"),
            to=("act:apprentice_application.vet",),
            body=_("{reason}，第 {obj.round} 轮审核。请逐项核验材料的真实性、有效性。"),
        ),
        Status.RETURNED: Notice(_("您的师承申请已退回修改"), to=("applicant",)),
        Status.VETTED: [
            Notice(
                _("师承申请待审核确定：{obj.name}"),
                to=("act:apprentice_application.approve",),
                body=_("承办单位已初审通过。"),
            ),
            Notice(_("您的师承申请初审通过"), to=("applicant",)),
        ],
        Status.REJECTED: Notice(_("您的师承申请未通过"), to=("applicant",)),
        Status.APPROVED: Notice(_("您的师承申请已审核通过，您已取得师承人资格"), to=("applicant",)),
        # WITHDRAWN: only the applicant withdraws, from states nobody else is handling.
        # CONTRACTED: told with the match's arrival in SIGNED, which is the same moment.
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

    def get_absolute_url(self) -> str:
        return reverse("apprenticeships:application-detail", args=[self.pk])

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
        # The applicant, and a master to whom the application is proposed or who took it on. A
        # master who declined or whose proposal was cancelled has no more to do with it (and would
        # otherwise be offered the contract of the colleague who accepted).
        proposed = Match.objects.filter(
            application=models.OuterRef("pk"),
            master__user_id=user.pk,
            status__in=(Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.SIGNED),
        )
        return Q(applicant_id=user.pk) | Q(Exists(proposed))

    def audit_organization(self):
        return self.organization

    def move_pages(self) -> dict:
        here = self.get_absolute_url()
        if self.status == self.Status.SUBMITTED:
            # Vetting is a verdict on each document: the form on the application's page.
            return dict.fromkeys((self.Status.VETTED, self.Status.RETURNED, self.Status.REJECTED), here + "#vet-form")
        if self.status == self.Status.APPROVED:
            # The contract is signed by both parties on the match's page.
            live = self.matches.filter(status__in=(Match.Status.PROPOSED, Match.Status.ACCEPTED)).first()
            return {self.Status.CONTRACTED: live.get_absolute_url() if live else here + "#matches"}
        return {}

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
    file = models.FileField(_("文件"), upload_to=ServerName("apprenticeships/documents"))
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
    MOVE_SERVICE = "apprenticeships.services.apprentice_match_move"
    MOVE_LABELS = {
        Status.ACCEPTED: _("接受为师承人"),
        Status.DECLINED: _("谢绝"),
        Status.SIGNED: _("签署合同"),
        Status.CANCELLED: _("取消推荐"),
    }
    REASON_REQUIRED = frozenset({Status.DECLINED, Status.CANCELLED})
    ENDING_STATES = frozenset({Status.DECLINED, Status.CANCELLED})
    SIDE_MOVES = frozenset(
        {
            (Status.PROPOSED, Status.CANCELLED),
            (Status.ACCEPTED, Status.CANCELLED),
            # The move happens with the second signature; each party's own signature is the to-do
            # (apprenticeships.todos.contracts_to_sign), which ends when that party has signed.
            (Status.ACCEPTED, Status.SIGNED),
        }
    )
    WAITING_SINCE = "proposed_at"
    # A to-do reads "接受或谢绝师承人：李明 → 张医生".
    WAITING_RELATED = ("application", "master")
    # A match is created proposed (apprenticeships.services._propose tells the master and the
    # applicant): no move arrives there.
    NOTIFY = {
        Status.ACCEPTED: Notice(
            _("师承关系合同书待签署：{obj.master.name} — {obj.application.name}"),
            to=("application.applicant", "master.user"),
            body=_("传承人已接受。请双方在平台内签署合同，或上传签字扫描件。"),
        ),
        Status.DECLINED: [
            Notice(
                _("传承人{obj.master.name}谢绝了本次推荐"),
                to=("application.applicant",),
                body=_("原因：{reason}。承办单位将为您推荐其他传承人，您也可以在申请页面更改意向传承人。"),
            ),
            Notice(
                _("请为师承人重新推荐传承人：{obj.application.name}"),
                to=("act:apprentice_match.propose",),
                body=_("{obj.master.name}谢绝：{reason}"),
            ),
        ],
        # The apprenticeship exists from this moment; the host unit agrees its teaching plan with
        # the master.
        Status.SIGNED: Notice(
            _("师徒关系已建立：{obj.master.name} — {obj.application.name}"),
            to=("application.applicant", "master.user", "act:apprenticeship.graduate"),
            body=_("{reason}。请传承人与主办单位共同制定传承计划。"),
        ),
        Status.CANCELLED: Notice(
            _("师徒匹配已取消：{obj.master.name} — {obj.application.name}"),
            to=("application.applicant", "master.user"),
        ),
    }

    application = models.ForeignKey(ApprenticeApplication, models.PROTECT, related_name="matches")
    master = models.ForeignKey("masters.Master", models.PROTECT, related_name="apprentice_matches")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_reason = models.TextField(_("传承人意见"), blank=True)
    contract = models.FileField(_("师承关系合同书"), upload_to=ServerName("apprenticeships/contracts"), blank=True)
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

    def get_absolute_url(self) -> str:
        return reverse("apprenticeships:match-detail", args=[self.pk])

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
        """The parties, for what each does as a party: both read the match and sign the contract,
        but a proposal is the proposed master's alone to accept or decline. The applicant follows
        it from the application (apprenticeships.permissions.may_view_match), so the buttons
        (moves), the workbench (waiting_for) and transition() agree that it waits for the master."""
        return Q(master__user_id=user.pk) | (Q(application__applicant_id=user.pk) & ~Q(status=cls.Status.PROPOSED))

    def audit_organization(self):
        return self.application.organization

    def move_pages(self) -> dict:
        # A signature is an agreement ticked or a signed scan, on the match's page.
        return {self.Status.SIGNED: self.get_absolute_url() + "#sign-form"}


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
    scan = models.FileField(_("签字扫描件"), upload_to=ServerName("apprenticeships/signatures"), blank=True)
    # What the scan is by its content (lib.files.accept_upload), the type it is served with.
    scan_type = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("合同签署")
        verbose_name_plural = _("合同签署")
        ordering = ["signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["match", "party"], name="signature_one_per_party")]

    def __str__(self) -> str:
        return f"{self.match} · {self.get_party_display()}签署"
