"""The lineage graph (传承脉络, LIN-1, issue 15): people, master–disciple links, and the sources
that support each link.

Only verified links are public. A person is public through them: someone with no verified link
is a draft of the staff who entered them. Every date is a fuzzy date (lineage/fuzzydate.py),
stored as written with its earliest and latest year, so the database can order and compare.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import in_regions
from lib.files import ServerName
from lineage import fuzzydate
from workflow.maps import Notice


class FuzzyDateFields:
    """A fuzzy date is three columns: `<name>` (as written), `<name>_earliest`, `<name>_latest`.
    `value(obj, name)` reads them back as a FuzzyDate; services write them with `assign()`."""

    @staticmethod
    def value(obj, name: str) -> fuzzydate.FuzzyDate | None:
        text = getattr(obj, name)
        if not text:
            return None
        return fuzzydate.parse(text, field_label=name)

    @staticmethod
    def assign(obj, name: str, parsed: fuzzydate.FuzzyDate | None) -> None:
        setattr(obj, name, parsed.text if parsed else "")
        setattr(obj, f"{name}_earliest", parsed.earliest if parsed else None)
        setattr(obj, f"{name}_latest", parsed.latest if parsed else None)


def _date_fields(label):
    return (
        models.CharField(label, max_length=60, blank=True),
        models.SmallIntegerField(null=True, blank=True, editable=False),
        models.SmallIntegerField(null=True, blank=True, editable=False),
    )


class Entered(models.Model):
    """Who entered a record for which unit: its scope (the unit's region, the unit, the person)."""

    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人"))
    entered_org = models.ForeignKey(
        "accounts.Organization", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入单位")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("entered_org__region", regions)
        if organization_ids:
            q |= Q(entered_org_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(entered_by_id=user.pk)

    def audit_organization(self):
        return self.entered_org


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")
    UNKNOWN = "unknown", _("不详")


class Person(Entered):
    """One person of a lineage, historical or living; linked to their platform records where they
    exist, so that one person is never two records (the one-to-one links are unique)."""

    name = models.CharField(_("姓名"), max_length=64)
    courtesy_name = models.CharField(_("字"), max_length=32, blank=True)
    art_name = models.CharField(_("号"), max_length=64, blank=True)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth, birth_earliest, birth_latest = _date_fields(_("出生"))
    death, death_earliest, death_latest = _date_fields(_("去世"))
    # PIPL: a living person who is not a certified master shows only their name publicly.
    living = models.BooleanField(_("在世"), default=False)
    # A region where the place is one today; free text for historical places (武进孟河).
    region = models.ForeignKey(
        "accounts.Region", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("籍贯（行政区划）")
    )
    place = models.CharField(_("籍贯（历史地名）"), max_length=100, blank=True)
    biography = models.TextField(_("生平"), blank=True)
    thought = models.TextField(_("学术思想"), blank=True)
    specialties = models.CharField(_("专长"), max_length=300, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="lineage_person",
        verbose_name=_("平台账号"),
    )
    master = models.OneToOneField(
        "masters.Master",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="lineage_person",
        verbose_name=_("传承人"),
    )
    holder = models.OneToOneField(
        "techniques.TechniqueHolder",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="lineage_person",
        verbose_name=_("技术持有人"),
    )

    class Meta:
        verbose_name = _("脉络人物")
        verbose_name_plural = _("脉络人物")
        ordering = ["birth_earliest", "name", "pk"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["entered_org"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("lineage:person", args=[self.pk])

    @property
    def birth_value(self):
        return FuzzyDateFields.value(self, "birth")

    @property
    def death_value(self):
        return FuzzyDateFields.value(self, "death")

    @property
    def shows_details(self) -> bool:
        """Whether the public may read more than the name (PIPL): the dead, and certified masters."""
        if not self.living:
            return True
        return self.master_id is not None and self.master.is_public

    @property
    def lifespan(self) -> str:
        if not (self.birth or self.death):
            return ""
        return f"{self.birth or '？'}—{self.death or ('' if self.living else '？')}"


class Source(Entered):
    """Where a claim comes from: an interview record (基层随访) or a document — 家谱、县志、医案、著作 —
    or an apprenticeship contract."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("访谈记录")
        GENEALOGY = "genealogy", _("家谱")
        GAZETTEER = "gazetteer", _("县志")
        CASE_RECORDS = "case_records", _("医案")
        BOOK = "book", _("著作")
        ARTICLE = "article", _("论文")
        CONTRACT = "contract", _("师承合同")

    kind = models.CharField(_("来源类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("题名"), max_length=200)
    author = models.CharField(_("作者"), max_length=120, blank=True)
    publisher = models.CharField(_("出版者"), max_length=120, blank=True)
    page = models.CharField(_("页码"), max_length=40, blank=True)
    interviewer = models.CharField(_("访谈人"), max_length=64, blank=True)
    date, date_earliest, date_latest = _date_fields(_("日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    file = models.FileField(_("文件"), upload_to=ServerName("lineage/sources"), blank=True)
    # What the file's first bytes say it is (lib/files.accept_upload), served as its Content-Type.
    file_type = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("来源")
        verbose_name_plural = _("来源")
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        parts = [self.author, f"《{self.title}》" if self.kind != self.Kind.INTERVIEW else self.title]
        if self.publisher:
            parts.append(self.publisher)
        if self.date:
            parts.append(self.date)
        return "，".join(p for p in parts if p)


class LinkKind(models.TextChoices):
    IN_PERSON = "in_person", _("亲炙")
    PRIVATE = "private", _("私淑")
    FAMILY = "family", _("家传")
    SCHOOL = "school", _("院校")
    PROGRAMME = "programme", _("师承项目")


class Certainty(models.IntegerChoices):
    # GEDCOM QUAY: 0 unreliable, 1 questionable (interviews, oral history), 2 secondary, 3 primary.
    UNRELIABLE = 0, _("0 不可靠")
    QUESTIONABLE = 1, _("1 存疑（口述）")
    SECONDARY = 2, _("2 间接证据")
    PRIMARY = 3, _("3 直接证据")


class Link(Entered):
    """Teacher → disciple, with its kind, dates, techniques and certainty; entered as a draft,
    verified by county or city staff (only verified links are public)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待核实")
        VERIFIED = "verified", _("已核实")
        RETURNED = "returned", _("已退回")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED: "lineage.submit"},
        Status.RETURNED: {Status.SUBMITTED: "lineage.submit"},
        Status.SUBMITTED: {Status.VERIFIED: "lineage.verify", Status.RETURNED: "lineage.verify"},
    }
    MOVE_SERVICE = "lineage.services.link_move"
    MOVE_LABELS = {
        Status.SUBMITTED: _("提交核实"),
        Status.VERIFIED: _("核实无误"),
        Status.RETURNED: _("退回修改"),
    }
    REASON_REQUIRED = frozenset({Status.RETURNED})
    ENDING_STATES = frozenset({Status.RETURNED})
    NOTIFY = {
        Status.SUBMITTED: Notice(_("师承关系待核实：{obj}"), to=("act:lineage.verify",)),
        Status.VERIFIED: Notice(_("师承关系已核实：{obj}"), to=("entered_by",)),
        Status.RETURNED: Notice(_("师承关系已退回，请修改后重新提交：{obj}"), to=("entered_by",)),
    }

    teacher = models.ForeignKey(Person, models.PROTECT, related_name="disciple_links", verbose_name=_("师"))
    disciple = models.ForeignKey(Person, models.PROTECT, related_name="teacher_links", verbose_name=_("徒"))
    kind = models.CharField(_("传承方式"), max_length=12, choices=LinkKind.choices)
    start, start_earliest, start_latest = _date_fields(_("起始"))
    end, end_earliest, end_latest = _date_fields(_("结束"))
    techniques = models.ManyToManyField(
        "techniques.Technique", blank=True, related_name="lineage_links", verbose_name=_("传承的技术")
    )
    certainty = models.PositiveSmallIntegerField(
        _("可信度"), choices=Certainty.choices, default=Certainty.SECONDARY, validators=[MaxValueValidator(3)]
    )
    disputed = models.BooleanField(_("存在争议"), default=False)
    dispute_note = models.TextField(_("争议说明"), blank=True)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        verbose_name = _("师承关系")
        verbose_name_plural = _("师承关系")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(teacher=models.F("disciple")), name="lineage_link_not_self"),
            models.UniqueConstraint(fields=["teacher", "disciple", "kind"], name="lineage_link_once_per_kind"),
            models.CheckConstraint(condition=Q(certainty__lte=3), name="lineage_link_certainty_0_3"),
        ]
        indexes = [
            # The recursive walks go both ways over verified links.
            models.Index(fields=["status", "disciple", "teacher"], name="lineage_link_up"),
            models.Index(fields=["status", "teacher", "disciple"], name="lineage_link_down"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher.name} → {self.disciple.name}（{self.get_kind_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("lineage:link", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.VERIFIED


class Citation(models.Model):
    """One source for one link: the words it says and how far it is to be trusted."""

    link = models.ForeignKey(Link, models.CASCADE, related_name="citations", verbose_name=_("师承关系"))
    source = models.ForeignKey(Source, models.PROTECT, related_name="citations", verbose_name=_("来源"))
    quoted_text = models.TextField(_("引文"), blank=True)
    page = models.CharField(_("页码"), max_length=40, blank=True)
    certainty = models.PositiveSmallIntegerField(
        _("可信度"), choices=Certainty.choices, default=Certainty.SECONDARY, validators=[MaxValueValidator(3)]
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("引证")
        verbose_name_plural = _("引证")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(certainty__lte=3), name="lineage_citation_certainty_0_3")]

    def __str__(self) -> str:
        return f"{self.link} · {self.source}"
