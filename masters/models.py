"""Masters (传承人, MST-1..3): the application, its review, selection and certification, and the
public directory of certified masters.

One `Master` row is the application from the moment it is drafted and, once certified, the
master's entry in the directory: the workflow status says which.
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
from workflow.maps import Notice


class Track(models.TextChoices):
    TRADITIONAL = "traditional", _("传统医学")
    MODERN = "modern", _("现代医学")


class Tier(models.TextChoices):
    # 000 §五(一)1: three tiers per track; both tracks have a 知名专家 tier, told apart by the track.
    GUOYI_DASHI = "guoyi_dashi", _("国医大师")
    MINGLAO_ZHONGYI = "minglao_zhongyi", _("名老中医")
    ZHIMING_TRADITIONAL = "zhiming_traditional", _("知名专家")
    ACADEMICIAN = "academician", _("院士和突出贡献专家")
    SENIOR_EXPERT = "senior_expert", _("资深专家")
    ZHIMING_MODERN = "zhiming_modern", _("知名专家")


TIER_TRACK = {
    Tier.GUOYI_DASHI: Track.TRADITIONAL,
    Tier.MINGLAO_ZHONGYI: Track.TRADITIONAL,
    Tier.ZHIMING_TRADITIONAL: Track.TRADITIONAL,
    Tier.ACADEMICIAN: Track.MODERN,
    Tier.SENIOR_EXPERT: Track.MODERN,
    Tier.ZHIMING_MODERN: Track.MODERN,
}


def tier_choices_by_track() -> list:
    """Choices grouped by track, so that the two 知名专家 can be told apart in a select."""
    return [
        (track.label, [(tier.value, tier.label) for tier, t in TIER_TRACK.items() if t == track]) for track in Track
    ]


class Title(models.TextChoices):
    """Professional titles; their order is data in masters/rules.py (TITLE_RANK)."""

    CHIEF = "chief", _("主任医师")
    ASSOCIATE_CHIEF = "associate_chief", _("副主任医师")
    ATTENDING = "attending", _("主治医师")
    RESIDENT = "resident", _("住院医师")
    ASSISTANT = "assistant", _("助理医师")
    NONE = "none", _("无职称")


# The programme's own units, which handle every application once it has left its author.
PROGRAMME_KINDS = ("organizing", "host", "guiding")


class Master(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        REVIEWED = "reviewed", _("审核通过")
        SELECTED = "selected", _("已入选")
        CERTIFIED = "certified", _("已认证")
        RETURNED = "returned", _("已退回")
        REJECTED = "rejected", _("未通过")

    # 000 §五(一)3: reviewed (承办单位), selected (主办单位), certified by the guiding unit.
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED: "master.submit"},
        Status.RETURNED: {Status.SUBMITTED: "master.submit"},
        Status.SUBMITTED: {
            Status.REVIEWED: "master.review",
            Status.RETURNED: "master.review",
            Status.REJECTED: "master.review",
        },
        Status.REVIEWED: {
            Status.SELECTED: "master.select",
            Status.RETURNED: "master.select",
            Status.REJECTED: "master.select",
        },
        Status.SELECTED: {Status.CERTIFIED: "master.certify", Status.REJECTED: "master.certify"},
    }
    # Workflow core (workflow/services.py): the buttons, the workbench and the notices below.
    MOVE_SERVICE = "masters.services.master_move"
    # What the buttons say: the act, not the state it leads to.
    MOVE_LABELS = {
        Status.SUBMITTED: _("提交申请"),
        Status.REVIEWED: _("审核通过"),
        Status.SELECTED: _("确定入选"),
        Status.CERTIFIED: _("认证并颁发证书"),
        Status.RETURNED: _("退回修改"),
        Status.REJECTED: _("不予通过"),
        (Status.SELECTED, Status.REJECTED): _("不予认证"),
    }
    # The applicant reads the reason of a return or a rejection.
    REASON_REQUIRED = frozenset({Status.RETURNED, Status.REJECTED})
    # Drawn as danger buttons: a return undoes a stage, a rejection ends the application.
    ENDING_STATES = frozenset({Status.RETURNED, Status.REJECTED})
    # Each arrival tells the applicant what became of the application and the next stage's people
    # what waits for them. CERTIFIED tells nobody here: the master certificate is issued in the
    # same step and its notice (certificates.services.certificate_issue, naming the number) is
    # the applicant's one notice of the certification.
    NOTIFY = {
        Status.SUBMITTED: Notice(_("传承人申请待审核：{obj}"), to=("act:master.review",)),
        Status.REVIEWED: [
            Notice(_("您的传承人申请已通过审核：{obj}"), to=("user",)),
            Notice(_("传承人申请待遴选：{obj}"), to=("act:master.select",)),
        ],
        Status.SELECTED: [
            Notice(_("您的传承人申请已入选：{obj}"), to=("user",)),
            Notice(_("传承人待认证：{obj}"), to=("act:master.certify",)),
        ],
        Status.RETURNED: Notice(_("您的传承人申请已退回，请修改后重新提交：{obj}"), to=("user",)),
        Status.REJECTED: Notice(_("您的传承人申请未通过：{obj}"), to=("user",)),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="master_applications", verbose_name=_("申请人")
    )
    name = models.CharField(_("姓名"), max_length=64)
    # Kept by the service on every save, for search by full pinyin (zhangderun) or initials (zdr).
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=64, blank=True, editable=False)
    track = models.CharField(_("类别"), max_length=12, choices=Track.choices)
    tier = models.CharField(_("层级"), max_length=20, choices=Tier.choices)
    title = models.CharField(_("职称"), max_length=16, choices=Title.choices)
    specialty = models.CharField(_("专业特长"), max_length=200)
    clinical_since = models.PositiveSmallIntegerField(_("从事临床工作起始年份"))
    birth_date = models.DateField(_("出生日期"))
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="masters", verbose_name=_("工作单位")
    )
    region = models.ForeignKey("accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"))
    bio = models.TextField(_("个人简介"), blank=True)
    # MST-2: special expertise or contribution exempts from the age and title limits; the applicant
    # asks, a reviewer decides (MasterExemption).
    exemption_requested = models.BooleanField(_("申请特殊专长豁免"), default=False)
    exemption_claim = models.TextField(_("特殊专长或贡献说明"), blank=True)
    techniques = models.ManyToManyField(
        "techniques.Technique", blank=True, related_name="masters", verbose_name=_("传授的技术")
    )
    # APP-4: how many apprentices the master will teach at once; the programme sets no number, so
    # the master states it (matching counts active apprenticeships and open acceptances against it).
    capacity = models.PositiveSmallIntegerField(_("可同时带教师承人数"), default=5)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    certificate_number = models.CharField(_("传承人证书编号"), max_length=20, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    certified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("传承人")
        verbose_name_plural = _("传承人")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["status", "tier"]),
            models.Index(fields=["status", "region"]),
            models.Index(fields=["status", "name_pinyin"]),
            models.Index(fields=["status", "name_initials"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_tier_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("masters:application-detail", args=[self.pk])

    # --- scope (accounts.permissions) ---
    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Organization

        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(organization_id__in=organization_ids)
            # The programme's units handle applications that have left their author; a draft
            # reaches them only when its author asks for an exemption.
            programme = Organization.objects.filter(pk__in=organization_ids, kind__in=PROGRAMME_KINDS)
            q |= Q(Exists(programme)) & (~Q(status=cls.Status.DRAFT) | Q(exemption_requested=True))
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(user_id=user.pk)

    def audit_organization(self):
        return self.organization

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.CERTIFIED


class ExemptionDecision(models.Model):
    """A reviewer's decision on a special-expertise exemption from the age and title limits: the
    latest decision for an application is the one that counts. Masters (MST-2) and apprentices
    (000 §五(二)) are decided alike; each concrete model adds what it decides on."""

    granted = models.BooleanField(_("同意豁免"))
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    class Meta:
        abstract = True
        verbose_name = _("特殊专长豁免")
        verbose_name_plural = _("特殊专长豁免")
        ordering = ["-decided_at", "-pk"]


class MasterExemption(ExemptionDecision):
    """A decision on a master's exemption (MST-2)."""

    master = models.ForeignKey(Master, models.CASCADE, related_name="exemptions")

    class Meta(ExemptionDecision.Meta):
        indexes = [models.Index(fields=["master", "-decided_at"])]

    def __str__(self) -> str:
        return f"{self.master.name} · {'同意' if self.granted else '不同意'}"


class MasterMaterial(models.Model):
    """A master's materials (MST-4, 000 §三(一)–(四)): teaching materials, diagnosis-and-treatment
    protocols, video and image materials, and products (effective prescriptions or methods) with
    their research and industry partners. The master manages them; published ones are public on
    the profile."""

    class Kind(models.TextChoices):
        TEXTBOOK = "textbook", _("教材")
        PROTOCOL = "protocol", _("诊疗方案")
        VIDEO = "video", _("视频资料")
        IMAGE = "image", _("图片资料")
        PRODUCT = "product", _("产品")

    class ProductType(models.TextChoices):
        PRESCRIPTION = "prescription", _("有效处方")
        METHOD = "method", _("诊疗方法")

    class Status(models.TextChoices):
        DRAFT = "draft", _("未公开")
        PUBLISHED = "published", _("已公开")

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED: "master.material_manage"},
        Status.PUBLISHED: {Status.DRAFT: "master.material_manage"},
    }
    MOVE_SERVICE = "masters.services.master_material_move"
    MOVE_LABELS = {Status.PUBLISHED: _("公开"), Status.DRAFT: _("取消公开")}
    # The master publishes their own materials when they choose: neither move is anyone's to-do,
    # and nobody but the master (who makes the move) is concerned, so there is no NOTIFY map.
    SIDE_MOVES = frozenset({(Status.DRAFT, Status.PUBLISHED), (Status.PUBLISHED, Status.DRAFT)})

    master = models.ForeignKey(Master, models.CASCADE, related_name="materials", verbose_name=_("传承人"))
    kind = models.CharField(_("资料类别"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    product_type = models.CharField(_("产品类型"), max_length=12, choices=ProductType.choices, blank=True)
    file = models.FileField(_("文件"), upload_to=ServerName("masters/materials"), blank=True)
    # What the file's first bytes say it is (lib/files.sniff), served as its Content-Type.
    mime = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("传承人资料")
        verbose_name_plural = _("传承人资料")
        ordering = ["kind", "-created_at", "-pk"]
        indexes = [models.Index(fields=["master", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.master.name} · {self.get_kind_display()} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("masters:material-list", args=[self.master_id])

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("master__region", regions)
        if organization_ids:
            q |= Q(master__organization_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(master__user_id=user.pk)

    def audit_organization(self):
        return self.master.organization

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.master.status == Master.Status.CERTIFIED

    @property
    def is_video(self) -> bool:
        return self.mime.startswith("video/")

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


class MaterialPartner(models.Model):
    """A research or industry partner of a master's product (000 §三(四))."""

    class Kind(models.TextChoices):
        RESEARCH = "research", _("科研合作")
        INDUSTRY = "industry", _("产业合作")

    material = models.ForeignKey(MasterMaterial, models.CASCADE, related_name="partners")
    kind = models.CharField(_("合作类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("合作单位"), max_length=120)
    cooperation = models.CharField(_("合作内容"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("产品合作单位")
        verbose_name_plural = _("产品合作单位")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.name
