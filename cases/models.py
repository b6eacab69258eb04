"""Case records of masters and apprentices and the analyses of their prescriptions (CAS-1..3).

A patient is never stored by name: `patient_key` is a keyed hash (lib.fieldcrypt.keyed_hash) of
the name and birth information, so the same patient keeps the same pseudonym across imports while
nobody without the key can go back from the pseudonym to the person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import in_regions
from workflow.maps import Notice


def organization_scope_q(*, regions, organization_ids) -> Q:
    """Records of the unit's organization, or of any organization in the regions (office staff)."""
    q = in_regions("organization__region", regions)
    if organization_ids:
        q |= Q(organization_id__in=organization_ids)
    return q


class CaseImport(models.Model):
    """One import of a case spreadsheet: the batch its visits came in, so that an analysis can take
    "the cases of this import" (issue 12 §15). Neither the file nor its name is kept: both may
    name patients."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("医师"))
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="+", verbose_name=_("所在单位")
    )
    # None when imported from the command line.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("导入人")
    )
    rows = models.PositiveIntegerField(_("行数"), default=0)
    cases_created = models.PositiveIntegerField(_("新建病案"), default=0)
    visits_created = models.PositiveIntegerField(_("诊次"), default=0)
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("病案导入批次")
        verbose_name_plural = _("病案导入批次")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return _("导入批次 #%(pk)s（%(date)s，%(visits)s 诊次）") % {
            "pk": self.pk,
            "date": timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M"),
            "visits": self.visits_created,
        }

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        return organization_scope_q(regions=regions, organization_ids=organization_ids)

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(owner_id=user.pk) | Q(created_by_id=user.pk)

    def audit_organization(self):
        return self.organization


class CaseRecord(models.Model):
    class Kind(models.TextChoices):
        RETROSPECTIVE = "retrospective", _("回顾性")
        PROSPECTIVE = "prospective", _("前瞻性")

    class Sex(models.TextChoices):
        UNKNOWN = "", _("未注明")
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    # The master or apprentice whose case it is.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="case_records", verbose_name=_("医师")
    )
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="+", verbose_name=_("所在单位")
    )
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices, default=Kind.RETROSPECTIVE)
    patient_key = models.CharField(max_length=64, editable=False)
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices, blank=True)
    age_band = models.CharField(_("年龄段"), max_length=12, blank=True)
    county = models.ForeignKey(
        "accounts.Region", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("患者所在县")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入人")
    )
    # An apprentice's case written during an apprenticeship: compared with the master's core
    # combinations (inheritance fidelity).
    apprenticeship = models.ForeignKey(
        "apprenticeships.Apprenticeship",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_records",
        verbose_name=_("师承关系"),
    )
    # The import that created the case (None when entered by hand); each visit keeps its own.
    batch = models.ForeignKey(
        CaseImport, models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("导入批次")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("病案")
        verbose_name_plural = _("病案")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "patient_key"], name="case_unique_patient")]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym}（{self.get_sex_display()}，{self.age_band or '年龄未注明'}）"

    @property
    def pseudonym(self) -> str:
        return pseudonym_of(self.patient_key)

    # --- scope (accounts.permissions) ---
    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        return organization_scope_q(regions=regions, organization_ids=organization_ids)

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(owner_id=user.pk) | Q(created_by_id=user.pk)

    def audit_organization(self):
        return self.organization


def pseudonym_of(patient_key: str) -> str:
    return f"患者-{patient_key[:8].upper()}" if patient_key else "患者"


class Visit(models.Model):
    class Efficacy(models.TextChoices):
        NONE = "", _("未评定")
        CURED = "cured", _("痊愈")
        MARKED = "marked", _("显效")
        EFFECTIVE = "effective", pgettext_lazy("efficacy", "有效")
        INEFFECTIVE = "ineffective", _("无效")

    case = models.ForeignKey(CaseRecord, models.CASCADE, related_name="visits")
    number = models.PositiveIntegerField(_("诊次"), default=1)
    date = models.DateField(_("就诊日期"), null=True, blank=True)
    chief_complaint = models.TextField(_("主诉"), blank=True)
    symptoms = models.TextField(_("四诊信息"), blank=True)
    tongue = models.CharField(_("舌象"), max_length=200, blank=True)
    pulse = models.CharField(_("脉象"), max_length=200, blank=True)
    tcm_disease = models.CharField(_("中医疾病"), max_length=100, blank=True)
    tcm_disease_term = models.ForeignKey(
        "techniques.Term", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("中医疾病（规范）")
    )
    syndrome = models.CharField(_("证候"), max_length=100, blank=True)
    syndrome_term = models.ForeignKey(
        "techniques.Term", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("证候（规范）")
    )
    # Disease or syndrome written outside the reference lists: kept as written, for a curator.
    flagged = models.BooleanField(_("待规范"), default=False)
    western_diagnosis = models.CharField(_("西医疾病"), max_length=200, blank=True)
    treatment_principle = models.CharField(_("治则治法"), max_length=300, blank=True)
    acupoints = models.CharField(_("针灸穴位"), max_length=300, blank=True)
    outcome = models.TextField(_("转归"), blank=True)
    efficacy = models.CharField(_("疗效"), max_length=12, choices=Efficacy.choices, blank=True)
    # Columns of an imported sheet that have no field here, scrubbed like every free text.
    notes = models.JSONField(_("其他信息"), default=dict, blank=True)
    # The import it came in (a returning patient's case holds visits of several imports).
    batch = models.ForeignKey(
        CaseImport, models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("导入批次")
    )

    class Meta:
        verbose_name = _("诊次")
        verbose_name_plural = _("诊次")
        ordering = ["case", "number"]
        indexes = [
            models.Index(fields=["case", "number"]),
            models.Index(fields=["tcm_disease"]),
            models.Index(fields=["syndrome"]),
            models.Index(fields=["date"]),
        ]

    def __str__(self) -> str:
        return f"第 {self.number} 诊"


class Prescription(models.Model):
    visit = models.ForeignKey(Visit, models.CASCADE, related_name="prescriptions")
    formula_name = models.CharField(_("方剂名称"), max_length=100, blank=True)
    composition = models.TextField(_("方剂组成"))
    decoction = models.CharField(_("煎服法"), max_length=200, blank=True)
    administration = models.CharField(_("用法用量"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("处方")
        verbose_name_plural = _("处方")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return self.formula_name or self.composition[:30]


class PrescriptionItem(models.Model):
    prescription = models.ForeignKey(Prescription, models.CASCADE, related_name="items")
    herb = models.CharField(_("药名"), max_length=64)  # the standard name when known
    original_name = models.CharField(_("原始药名"), max_length=64)
    processing = models.CharField(_("炮制"), max_length=16, blank=True)
    amount = models.FloatField(_("剂量"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=8, blank=True)
    grams = models.FloatField(_("克数"), null=True, blank=True)
    factor = models.FloatField(_("换算系数"), null=True, blank=True)
    note = models.CharField(_("煎服法"), max_length=20, blank=True)
    known = models.BooleanField(_("已识别"), default=True)

    class Meta:
        verbose_name = _("药味")
        verbose_name_plural = _("药味")
        ordering = ["prescription", "pk"]
        indexes = [models.Index(fields=["herb"]), models.Index(fields=["known", "original_name"])]

    def __str__(self) -> str:
        return self.herb


class HerbMapping(models.Model):
    """A curator's answer for a spelling the reference tables do not know (CAS-2): the standard
    herb it stands for and the processing it carries. lib.herbs consults these before its own
    tables, so every later import, entry and analysis reads the spelling the same way."""

    spelling = models.CharField(_("原始药名"), max_length=64, unique=True)
    standard_name = models.CharField(_("规范药名"), max_length=64)
    processing = models.CharField(_("炮制"), max_length=16, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("审定人"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("药名审定")
        verbose_name_plural = _("药名审定")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.spelling} → {self.processing}{self.standard_name}"


class Analysis(models.Model):
    """A saved mining run: its data selection and parameters, so it can be re-run and cited, and
    the summary of what it found."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("分析人"))
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    # The selection: whose cases, which disease and syndrome, which period.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("医师")
    )
    disease = models.CharField(_("中医疾病"), max_length=100, blank=True)
    syndrome = models.CharField(_("证候"), max_length=100, blank=True)
    date_from = models.DateField(_("起始日期"), null=True, blank=True)
    date_to = models.DateField(_("截止日期"), null=True, blank=True)
    batch = models.ForeignKey(
        CaseImport, models.PROTECT, null=True, blank=True, related_name="analyses", verbose_name=_("导入批次")
    )
    min_support = models.FloatField(_("最小支持度"), default=0.1)
    min_confidence = models.FloatField(_("最小置信度"), default=0.8)
    max_len = models.PositiveSmallIntegerField(_("最多药味数"), default=4)
    clusters = models.PositiveSmallIntegerField(_("聚类组数"), default=6)
    transactions = models.PositiveIntegerField(_("处方数"), default=0)
    results = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("处方挖掘分析")
        verbose_name_plural = _("处方挖掘分析")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"]),
            models.Index(fields=["subject", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"处方挖掘分析 #{self.pk}"

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        return organization_scope_q(regions=regions, organization_ids=organization_ids)

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(created_by_id=user.pk) | Q(subject_id=user.pk)

    def audit_organization(self):
        return self.organization


class Protocol(models.Model):
    """A master's diagnosis-and-treatment protocol (诊疗方案, MST-4), drafted from a saved analysis
    which stays linked as its evidence. Publishing freezes the text as a numbered version; a
    published protocol revised goes back to draft while the public keeps reading the last version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED: "protocol.publish"},
        Status.PUBLISHED: {Status.DRAFT: "protocol.edit", Status.WITHDRAWN: "protocol.publish"},
        Status.WITHDRAWN: {Status.DRAFT: "protocol.edit"},
    }
    MOVE_SERVICE = "cases.services.protocol_move"
    MOVE_LABELS = {Status.PUBLISHED: _("发布"), Status.DRAFT: _("修订（生成新草稿）"), Status.WITHDRAWN: _("撤回")}
    ENDING_STATES = frozenset({Status.WITHDRAWN})
    # A draft waits for its master to publish it; revising and withdrawing are nobody's to-do.
    SIDE_MOVES = frozenset(
        {(Status.PUBLISHED, Status.DRAFT), (Status.PUBLISHED, Status.WITHDRAWN), (Status.WITHDRAWN, Status.DRAFT)}
    )
    # The master is told when someone else (an administrator) moves the protocol; the staff who
    # read the unit's protocols (protocol.view) hear when a version goes public or stops being so.
    # A revision concerns only the master: the public keeps reading the last version.
    NOTIFY = {
        Status.PUBLISHED: Notice(_("诊疗方案「{obj}」第 {obj.version} 版已发布"), to=("owner", "act:protocol.view")),
        Status.WITHDRAWN: Notice(_("诊疗方案「{obj}」已撤回"), to=("owner", "act:protocol.view")),
        Status.DRAFT: Notice(_("诊疗方案「{obj}」已转为草稿修订"), to=("owner",)),
    }
    # The text a version freezes, in the order the page shows it.
    CONTENT_FIELDS = (
        "title",
        "disease",
        "syndrome",
        "diagnosis",
        "principle",
        "prescription",
        "modifications",
        "cautions",
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="protocols", verbose_name=_("传承人")
    )
    organization = models.ForeignKey("accounts.Organization", models.PROTECT, related_name="+", verbose_name=_("单位"))
    analysis = models.ForeignKey(
        Analysis, models.PROTECT, related_name="protocols", verbose_name=_("依据的处方挖掘分析")
    )
    title = models.CharField(_("方案名称"), max_length=100)
    disease = models.CharField(_("中医疾病"), max_length=100, blank=True)
    syndrome = models.CharField(_("证候"), max_length=100, blank=True)
    diagnosis = models.TextField(_("诊断与辨证要点"))
    principle = models.CharField(_("治则治法"), max_length=300)
    prescription = models.TextField(_("基本方药"))
    modifications = models.TextField(_("随证加减"), blank=True)
    cautions = models.TextField(_("注意事项"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("已发布版本"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("诊疗方案")
        verbose_name_plural = _("诊疗方案")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "-published_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:protocol-detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        """Readable by anyone: published once and not withdrawn."""
        return self.version > 0 and self.status != self.Status.WITHDRAWN

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        return organization_scope_q(regions=regions, organization_ids=organization_ids)

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(owner_id=user.pk)

    def audit_organization(self):
        return self.organization


class ProtocolVersion(models.Model):
    """The text of a protocol as published, with the evidence it cited then."""

    protocol = models.ForeignKey(Protocol, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    content = models.JSONField(_("内容"))
    analysis = models.ForeignKey(Analysis, models.PROTECT, related_name="+", verbose_name=_("依据的处方挖掘分析"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("诊疗方案版本")
        verbose_name_plural = _("诊疗方案版本")
        ordering = ["protocol", "-number"]
        constraints = [models.UniqueConstraint(fields=["protocol", "number"], name="protocol_version_unique")]

    def __str__(self) -> str:
        return f"{self.content.get('title', '')} 第 {self.number} 版"
