"""The city's inventory of folk TCM techniques (TEC-1..4, PRO-1, PRO-5).

One `Technique` row is a declaration (申报) from the moment it is drafted and, once accepted, the
technique's entry in the database: the workflow status says which. Classification axes are
managed vocabularies (`Term`), so a renamed term keeps every record that uses it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import in_regions
from lib import fieldcrypt
from lib.files import ServerName
from workflow.maps import Notice


class Vocabulary(models.TextChoices):
    CATEGORY = "category", _("技术类别")
    INHERITANCE = "inheritance", _("传承方式")
    FEATURE = "feature", _("治法特色")
    DISEASE = "disease", _("治疗病种")
    SYNDROME = "syndrome", _("证候")


class Term(models.Model):
    """A term of a managed vocabulary. Renames bump `version` and leave a `TermRevision`; records
    point at the term's id, so they follow the rename."""

    class Basis(models.TextChoices):
        NONE = "", _("—")
        DRUG = "drug", _("以药物为主")
        OPERATION = "operation", _("以操作为主")

    vocabulary = models.CharField(_("词表"), max_length=12, choices=Vocabulary.choices)
    name = models.CharField(_("名称"), max_length=64)
    # For categories: whether techniques of this kind get an SOP or a preparation standard
    # (003 §三(四).15).
    basis = models.CharField(_("技术基础"), max_length=10, choices=Basis.choices, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("分类术语")
        verbose_name_plural = _("分类术语")
        ordering = ["vocabulary", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["vocabulary", "name"], name="term_unique_name")]

    def __str__(self) -> str:
        return self.name


class TermRevision(models.Model):
    term = models.ForeignKey(Term, models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    old_name = models.CharField(max_length=64)
    new_name = models.CharField(max_length=64)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["term", "-version"]

    def __str__(self) -> str:
        return f"{self.old_name} → {self.new_name}"


class Technique(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RECEIVED = "received", _("已受理")
        VERIFIED = "verified", _("已核实")
        ACCEPTED = "accepted", _("已入库")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("已公开")
        # Merged into another declaration of the same technique (issue 12 §10): kept, with its
        # history, and pointing at the declaration that carries its files on (`merged_into`).
        MERGED = "merged", _("已合并")

    class Channel(models.TextChoices):
        ONLINE = "online", _("线上申报")
        OFFLINE = "offline", _("线下代录")
        IMPORT = "import", _("表格导入")

    class Protection(models.TextChoices):
        NONE = "none", _("未采取保护措施")
        ICH = "ich", _("已列入非物质文化遗产名录")
        PATENT = "patent", _("已申请或获得专利")
        SECRET = "secret", _("作为商业秘密保护")
        MULTIPLE = "multiple", _("多种保护方式")

    class Grade(models.TextChoices):
        NONE = "", _("未分级")
        A = "A", _("甲级")
        B = "B", _("乙级")
        C = "C", _("丙级")

    # Who moves a declaration on (003 §三(一).1: city, county, township and village levels).
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED: "technique.submit"},
        # A duplicate is merged by whoever handles the declaration at its stage, never once it is
        # in the database (the newer declaration is merged into it instead).
        Status.SUBMITTED: {
            Status.RECEIVED: "technique.receive",
            Status.RETURNED: "technique.receive",
            Status.MERGED: "technique.receive",
        },
        Status.RECEIVED: {
            Status.VERIFIED: "technique.verify",
            Status.RETURNED: "technique.verify",
            Status.MERGED: "technique.verify",
        },
        Status.VERIFIED: {
            Status.ACCEPTED: "technique.accept",
            Status.RETURNED: "technique.accept",
            Status.MERGED: "technique.accept",
        },
        Status.RETURNED: {Status.SUBMITTED: "technique.submit", Status.MERGED: "technique.verify"},
        Status.ACCEPTED: {Status.PUBLISHED: "technique.publish"},
        Status.PUBLISHED: {Status.ACCEPTED: "technique.publish"},
    }
    # Workflow core (workflow/services.py): buttons, to-dos and notices come from the table.
    MOVE_SERVICE = "techniques.services.technique_move"
    # What the buttons say. Accepting (verified → accepted) and withdrawing from the public
    # catalogue (published → accepted) share a target, so neither gets a verb of its own.
    MOVE_LABELS = {
        Status.SUBMITTED: _("提交申报"),
        Status.RECEIVED: _("受理"),
        Status.VERIFIED: _("核实通过"),
        Status.RETURNED: _("退回修改"),
        Status.PUBLISHED: _("公开"),
        Status.MERGED: _("合并到另一申报"),
    }
    # The declarant reads the reasons and fixes the declaration (003 §三(一).1).
    REASON_REQUIRED = frozenset({Status.RETURNED})
    ENDING_STATES = frozenset({Status.RETURNED, Status.MERGED})
    # Offered as buttons but nobody's to-do: a draft is submitted when its declarant is ready (an
    # import of drafts would otherwise fill its importer's workbench), an accepted technique
    # stays in the database unless the city chooses to publish it, and unpublishing is a choice.
    SIDE_MOVES = frozenset(
        {
            (Status.DRAFT, Status.SUBMITTED),
            (Status.ACCEPTED, Status.PUBLISHED),
            (Status.PUBLISHED, Status.ACCEPTED),
            # Merging is a decision on a flagged pair, nobody's standing task.
            (Status.SUBMITTED, Status.MERGED),
            (Status.RECEIVED, Status.MERGED),
            (Status.VERIFIED, Status.MERGED),
            (Status.RETURNED, Status.MERGED),
        }
    )
    WAITING_SINCE = "submitted_at"
    NOTIFY = {
        Status.SUBMITTED: Notice(_("技术申报待受理：{obj}"), to=("act:technique.receive",)),
        Status.RECEIVED: Notice(_("技术申报待核实：{obj}"), to=("act:technique.verify",)),
        Status.VERIFIED: Notice(_("技术申报待审定入库：{obj}"), to=("act:technique.accept",)),
        Status.RETURNED: Notice(_("技术申报已退回，请修改后重新提交：{obj}"), to=("entered_by",)),
        # Also the arrival when the city withdraws a technique from the public catalogue.
        Status.ACCEPTED: Notice(_("技术已入库（未公开）：{obj}"), to=("entered_by",)),
        Status.PUBLISHED: Notice(_("技术已公开：{obj}"), to=("entered_by",)),
        Status.MERGED: Notice(_("技术申报已与同一技术的另一申报合并：{obj}"), to=("entered_by",)),
    }

    code = models.CharField(_("编号"), max_length=20, unique=True, blank=True, null=True)
    name = models.CharField(_("技术名称"), max_length=100)
    region = models.ForeignKey("accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"))
    category = models.ForeignKey(
        Term,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("技术类别"),
        limit_choices_to={"vocabulary": Vocabulary.CATEGORY},
    )
    inheritance = models.ForeignKey(
        Term,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("传承方式"),
        limit_choices_to={"vocabulary": Vocabulary.INHERITANCE},
    )
    features = models.ManyToManyField(Term, blank=True, related_name="+", verbose_name=_("治法特色"))
    diseases = models.ManyToManyField(Term, blank=True, related_name="techniques_treating", verbose_name=_("治疗病种"))
    syndromes = models.ManyToManyField(Term, blank=True, related_name="+", verbose_name=_("证候"))
    # Indications not in the reference lists: kept, and flagged for a curator.
    indications_free = models.CharField(_("其他适应证（自由填写）"), max_length=500, blank=True)
    origin_history = models.TextField(_("源流与历史"), blank=True)
    theory_features = models.TextField(_("理论与治疗特色"), blank=True)
    operation_method = models.TextField(_("操作方法或制备工艺"), blank=True)
    contraindications = models.TextField(_("禁忌与风险"), blank=True)
    typical_cases = models.TextField(_("典型病例与疗效"), blank=True)
    consent_publish = models.BooleanField(_("同意公开"), default=False)
    consent_research = models.BooleanField(_("同意用于研究"), default=False)
    # The protection status is not stored: it is read from the technique's protection records
    # (`protection_status`), so a listing recorded is a listing shown (issue 12 §12).
    grade = models.CharField(_("等级"), max_length=2, choices=Grade.choices, blank=True)
    management_class = models.CharField(_("管理类别"), max_length=40, blank=True)

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_from", verbose_name=_("合并入")
    )
    channel = models.CharField(_("申报渠道"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    # The offline channel: who typed it in, for which unit, and the scan of the paper form.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="entered_techniques", verbose_name=_("录入人")
    )
    entered_org = models.ForeignKey(
        "accounts.Organization", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入单位")
    )
    scanned_original = models.FileField(_("纸质申报表扫描件"), upload_to=ServerName("techniques/originals"), blank=True)
    # What the scan's first bytes say it is (lib/files.accept_upload), served as its Content-Type.
    scanned_original_type = models.CharField(max_length=100, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Pre-segmented words of the name, texts and indications plus pinyin, for full-text search
    # (techniques/search.py keeps it and the engine's index in step).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("优势技术")
        verbose_name_plural = _("优势技术")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["status", "region"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["inheritance", "status"]),
            models.Index(fields=["grade", "status"]),
            models.Index(fields=["entered_by", "status"]),
            models.Index(fields=["-updated_at"]),
            # The public catalogue: published techniques, most recently updated first.
            models.Index(fields=["status", "-updated_at"], name="technique_status_updated"),
            # The database page counts its single-valued facets, within a person's scope, from
            # this index alone: at 100,000 techniques a scan of the table, which reads every
            # row's long texts, took ten times as long (docs/performance.md). Status leads so
            # that a status filter narrows the same index SQLite's planner would otherwise
            # trade for technique_status_updated and the table.
            models.Index(
                fields=["status", "category", "inheritance", "grade", "region", "entered_org", "entered_by"],
                name="technique_facets",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("techniques:manage-detail", args=[self.pk])

    def move_pages(self) -> dict:
        # Which declaration is kept is chosen on a page of its own, with the pair side by side.
        return {self.Status.MERGED: reverse("techniques:merge", args=[self.pk])}

    # --- scope (accounts.permissions) ---
    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(entered_org_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        # A subquery, not a join through holders: a join would list a technique once per holder.
        holder_of = TechniqueHolder.objects.filter(user_id=user.pk).values("technique_id")
        return Q(entered_by_id=user.pk) | Q(pk__in=holder_of)

    def audit_organization(self):
        return self.entered_org

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    # --- protection, derived from the records (PRO-1) ---
    def _protective_records(self) -> list[ProtectionRecord]:
        # `.all()` so that a prefetch of "protections" (lists, the export) answers without a query.
        return [r for r in self.protections.all() if r.kind in PROTECTION_OF_RECORD]

    @property
    def protection_status(self) -> str:
        """NONE, ICH, PATENT, SECRET or MULTIPLE, from the protection records: a holder's rights
        alone are no protection measure of the technique."""
        kinds = {PROTECTION_OF_RECORD[r.kind] for r in self._protective_records()}
        if not kinds:
            return self.Protection.NONE
        return kinds.pop() if len(kinds) == 1 else self.Protection.MULTIPLE

    @property
    def protection_label(self) -> str:
        """What the status says to a person, naming the highest level of an ICH listing
        (已列入县级非物质文化遗产名录)."""
        records = self._protective_records()
        status = self.protection_status
        if status == self.Protection.NONE:
            return str(self.Protection.NONE.label)
        parts = []
        levels = [r.level for r in records if r.kind == ProtectionRecord.Kind.ICH and r.level]
        for kind in ProtectionRecord.Kind.values:
            if not any(r.kind == kind for r in records):
                continue
            if kind == ProtectionRecord.Kind.ICH and levels:
                highest = min(levels, key=ICH_LEVEL_ORDER.index)
                parts.append(_("已列入%(level)s非物质文化遗产名录") % {"level": ProtectionRecord.Level(highest).label})
            else:
                parts.append(str(self.Protection(PROTECTION_OF_RECORD[kind]).label))
        if status == self.Protection.MULTIPLE:
            return _("多种保护方式：%(ways)s") % {"ways": "；".join(parts)}
        return parts[0]


class TechniqueHolder(models.Model):
    """A holder (持有人) of a technique; one technique may have several."""

    technique = models.ForeignKey(Technique, models.CASCADE, related_name="holders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The phone is stored encrypted like the ID number (issue 13 §12), with its keyed hash (also what
    # tells an edit that changed it); read and write it as `phone`.
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    qualifications = models.CharField(_("资格与证书"), max_length=300, blank=True)
    is_recognised_specialist = models.BooleanField(_("已认定为中医专长医师"), default=False)
    is_primary = models.BooleanField(_("第一持有人"), default=True)

    class Meta:
        verbose_name = _("技术持有人")
        verbose_name_plural = _("技术持有人")
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return fieldcrypt.decrypt(self.id_number_encrypted)

    def set_id_number(self, value: str) -> None:
        self.id_number_encrypted = fieldcrypt.encrypt(value)
        self.id_number_hash = fieldcrypt.keyed_hash(value)

    @property
    def phone(self) -> str:
        return fieldcrypt.decrypt(self.phone_encrypted)

    @phone.setter
    def phone(self, value: str) -> None:
        value = (value or "").strip()
        self.phone_encrypted = fieldcrypt.encrypt(value)
        self.phone_hash = fieldcrypt.phone_hash(value)


class TechniqueFile(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        VIDEO = "video", _("视频")
        DOCUMENT = "document", _("文档")

    technique = models.ForeignKey(Technique, models.CASCADE, related_name="files")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=ServerName("techniques/files"))
    title = models.CharField(_("说明"), max_length=100, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title or self.file.name


class SimilarityFlag(models.Model):
    """A possible duplicate found when a declaration was submitted; staff decide, nothing merges
    by itself."""

    class Decision(models.TextChoices):
        OPEN = "", _("待判断")
        NOT_DUPLICATE = "not_duplicate", _("不是重复")
        MERGED = "merged", _("已合并")

    class Reason(models.TextChoices):
        # Only with the same name (an import matching the holder's ID number): a holder may hold
        # several techniques, so the same holder alone is no sign of a duplicate.
        SAME_HOLDER = "same_holder", _("同一持有人")
        SIMILAR_NAME = "similar_name", _("名称相近")
        SIMILAR_TEXT = "similar_text", _("内容相近")

    technique = models.ForeignKey(Technique, models.CASCADE, related_name="similarity_flags")
    similar_to = models.ForeignKey(Technique, models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    score = models.FloatField()
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)
    # What staff decided of the pair (issue 12 §10), by whom and when.
    decision = models.CharField(_("结论"), max_length=16, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["technique", "similar_to", "reason"], name="similarity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.technique} ≈ {self.similar_to}"


class ProtectionRecord(models.Model):
    """PRO-1: intangible-cultural-heritage listings, patents, trade secrets, holders' rights."""

    class Kind(models.TextChoices):
        ICH = "ich", _("非物质文化遗产名录")
        PATENT = "patent", _("专利")
        TRADE_SECRET = "trade_secret", _("商业秘密")
        RIGHTS = "rights", _("持有人权益")

    class Level(models.TextChoices):
        NONE = "", _("—")
        NATIONAL = "national", _("国家级")
        PROVINCIAL = "provincial", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")

    technique = models.ForeignKey(Technique, models.CASCADE, related_name="protections")
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    number = models.CharField(_("编号"), max_length=64, blank=True)
    granted_on = models.DateField(_("日期"), null=True, blank=True)
    document = models.FileField(_("证明文件"), upload_to=ServerName("techniques/protection"), blank=True)
    document_type = models.CharField(max_length=100, blank=True, editable=False)
    note = models.TextField(_("说明"), blank=True)

    def __str__(self) -> str:
        return self.title


class ConsentRecord(models.Model):
    """What a holder agreed to, when, and on what paper: the consent flags on the technique are
    the latest of these."""

    class Kind(models.TextChoices):
        PUBLISH = "publish", _("公开")
        RESEARCH = "research", _("研究使用")

    technique = models.ForeignKey(Technique, models.CASCADE, related_name="consents")
    kind = models.CharField(_("事项"), max_length=10, choices=Kind.choices)
    granted = models.BooleanField(_("同意"))
    holder_name = models.CharField(_("持有人"), max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    document = models.FileField(_("签字文件"), upload_to=ServerName("techniques/consent"), blank=True)
    document_type = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.get_kind_display()} {'同意' if self.granted else '不同意'}"


class Procedure(models.Model):
    """PRO-5: versioned standard operating procedures (operation-based techniques) or preparation
    process and quality standard (drug-based ones)."""

    class Kind(models.TextChoices):
        SOP = "sop", _("标准作业程序")
        PREPARATION = "preparation", _("制备工艺与质量标准")

    technique = models.ForeignKey(Technique, models.CASCADE, related_name="procedures")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    quality_standard = models.TextField(_("质量标准"), blank=True)
    document = models.FileField(_("附件"), upload_to=ServerName("techniques/procedures"), blank=True)
    document_type = models.CharField(max_length=100, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["technique", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["technique", "kind", "version"], name="procedure_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ResearchProject(models.Model):
    """PRO-5: a research project on one or more techniques. Kept by office staff; scoped to the
    unit that recorded it (its region and below for office staff above it). Shown with a
    published technique only when flagged public."""

    techniques = models.ManyToManyField(Technique, related_name="research_projects", blank=True)
    title = models.CharField(_("项目名称"), max_length=200)
    organization = models.CharField(_("承担单位"), max_length=128)
    leader = models.CharField(_("负责人"), max_length=64, blank=True)
    funding_source = models.CharField(_("资助来源"), max_length=128, blank=True)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    summary = models.TextField(_("研究内容与成果"), blank=True)
    is_public = models.BooleanField(_("在公开名录中展示"), default=False)
    recorded_org = models.ForeignKey(
        "accounts.Organization", models.PROTECT, null=True, related_name="+", verbose_name=_("登记单位")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("科研项目")
        verbose_name_plural = _("科研项目")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["recorded_org", "-updated_at"])]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("recorded_org__region", regions)
        if organization_ids:
            q |= Q(recorded_org_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(recorded_by_id=user.pk)

    def audit_organization(self):
        return self.recorded_org


# Which protection status each kind of record gives its technique; a holder's rights are not one.
PROTECTION_OF_RECORD = {
    ProtectionRecord.Kind.ICH: Technique.Protection.ICH,
    ProtectionRecord.Kind.PATENT: Technique.Protection.PATENT,
    ProtectionRecord.Kind.TRADE_SECRET: Technique.Protection.SECRET,
}
# Highest first: a technique listed at county and at provincial level is a provincial listing.
ICH_LEVEL_ORDER = [
    ProtectionRecord.Level.NATIONAL,
    ProtectionRecord.Level.PROVINCIAL,
    ProtectionRecord.Level.CITY,
    ProtectionRecord.Level.COUNTY,
]
