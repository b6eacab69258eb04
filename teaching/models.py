"""Teaching and graduation (APP-5..7): the teaching plan of an apprenticeship, the activities the
apprentice logs against the programme's hour quotas (teaching/quotas.py), and the graduation
materials the master assesses before the host unit issues the apprentice certificate.

Every record here belongs to one apprenticeship and is in scope exactly when it is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apprenticeships.models import Apprenticeship
from lib.files import ServerName
from teaching.permissions import PARTY_ACTS, PARTY_FIELDS
from teaching.quotas import Category
from workflow.maps import Notice

# Who hears of a teaching record's arrival: its two parties (paths on the record).
MASTER_USER = "apprenticeship.master.user"
APPRENTICE_USER = "apprenticeship.apprentice"


class _OfApprenticeship:
    """Scope through the apprenticeship: whoever reaches it reaches its plan, activities and
    graduation. Pages check `teaching.view` on the apprenticeship itself; the acts checked on a
    teaching record are its moves."""

    TRANSITIONS: dict

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        reachable = Apprenticeship.objects.filter(
            Apprenticeship.scope_q(regions=regions, organization_ids=organization_ids)
        ).values("pk")
        return Q(apprenticeship_id__in=reachable)

    @classmethod
    def owner_q(cls, user) -> Q:
        """The records on which `user` has a move to make as a party: those in a state whose move
        is their party's act (teaching.permissions.PARTY_ACTS), while the apprenticeship is
        active. Both parties reach every record of their apprenticeship, but a graduation in
        draft is the apprentice's to submit and a submitted one the master's to assess: so the
        buttons (moves), the workbench (waiting_for) and transition() ask one question."""
        q = Q(pk__in=[])
        for state, table in cls.TRANSITIONS.items():
            for party in sorted({PARTY_ACTS[act] for act in table.values() if act in PARTY_ACTS}):
                q |= Q(status=state, **{PARTY_FIELDS[party]: user.pk})
        return q & Q(apprenticeship__status=Apprenticeship.Status.ACTIVE)

    @classmethod
    def states_of(cls, act: str) -> frozenset:
        """The states from which the table allows a move by `act`."""
        return frozenset(state for state, table in cls.TRANSITIONS.items() if act in table.values())

    def audit_organization(self):
        return self.apprenticeship.organization


class TeachingPlan(_OfApprenticeship, models.Model):
    """《传承计划》, made by the master and the host unit together (000 §四(四))."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待主办单位确认")
        AGREED = "agreed", _("已确认")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED: "teaching.plan_submit"},
        Status.SUBMITTED: {Status.AGREED: "teaching.plan_agree", Status.DRAFT: "teaching.plan_agree"},
    }
    MOVE_SERVICE = "teaching.services.plan_move"
    MOVE_LABELS = {
        Status.SUBMITTED: _("提交主办单位确认"),
        Status.AGREED: _("确认传承计划"),
        Status.DRAFT: _("退回修改"),
    }
    # A returned plan goes back to the master with the host unit's reasons.
    REASON_REQUIRED = frozenset({Status.DRAFT})
    ENDING_STATES = frozenset({Status.DRAFT})
    # A draft waits for its master since it was last saved or returned.
    WAITING_SINCE = "updated_at"
    WAITING_RELATED = ("apprenticeship__master", "apprenticeship__apprentice")
    NOTIFY = {
        Status.SUBMITTED: Notice(_("请确认传承计划：{obj}"), to=("act:teaching.plan_agree",)),
        Status.AGREED: Notice(_("传承计划已确认，可以开始登记带教课时：{obj}"), to=(MASTER_USER, APPRENTICE_USER)),
        Status.DRAFT: Notice(_("传承计划被退回修改：{obj}"), to=(MASTER_USER, APPRENTICE_USER)),
    }

    apprenticeship = models.OneToOneField(
        Apprenticeship, models.CASCADE, related_name="plan", verbose_name=_("师承关系")
    )
    objectives = models.TextField(_("传承目标"))
    content = models.TextField(_("传承内容"), help_text=_("传授的学术思想、技术方法、典型病案等"))
    arrangements = models.TextField(_("教学安排"), help_text=_("会议、讲座、面授、随诊、远程指导、网课的安排"))
    planned_theory = models.PositiveSmallIntegerField(_("理论课程计划课时"))
    planned_case_analysis = models.PositiveSmallIntegerField(_("病案分析课程计划课时"))
    planned_self_study = models.PositiveSmallIntegerField(_("自学计划课时"))
    planned_reflection = models.PositiveSmallIntegerField(_("撰写学习体会计划课时"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True)
    agreed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("传承计划")
        verbose_name_plural = _("传承计划")
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        # The two parties: to-dos read "确认传承计划：张医生 → 李明".
        a = self.apprenticeship
        return f"{a.master.name} → {a.apprentice.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("teaching:plan", args=[self.apprenticeship_id])

    def planned(self, category: str) -> int:
        return getattr(self, f"planned_{category}")

    @property
    def is_editable(self) -> bool:
        """The master may still revise it: it is in a state from which he submits it."""
        return self.status in self.states_of("teaching.plan_submit")

    @property
    def is_agreed(self) -> bool:
        """Hours may be logged against it (000 §四(四))."""
        return self.status == self.Status.AGREED


class Activity(_OfApprenticeship, models.Model):
    """One teaching activity as the apprentice logged it; its hours count once the master confirms."""

    class Kind(models.TextChoices):
        # 000 §四(四) and §三(五): 会议、讲座、面授、随诊、远程指导, and 网课.
        MEETING = "meeting", _("会议")
        LECTURE = "lecture", _("讲座")
        FACE_TO_FACE = "face_to_face", _("面授")
        SHADOWING = "shadowing", _("随诊")
        REMOTE = "remote", _("远程指导")
        ONLINE_COURSE = "online_course", _("网课")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("不予确认")

    TRANSITIONS = {
        Status.PENDING: {Status.CONFIRMED: "teaching.activity_decide", Status.REJECTED: "teaching.activity_decide"},
    }
    MOVE_SERVICE = "teaching.services.activity_move"
    MOVE_LABELS = {Status.CONFIRMED: _("确认课时"), Status.REJECTED: _("不予确认")}
    REASON_REQUIRED = frozenset({Status.REJECTED})
    ENDING_STATES = frozenset({Status.REJECTED})
    # Hours are confirmed many at once: the master's to-do is one line per apprentice
    # (teaching.todos.hours_to_confirm), not one per activity.
    SIDE_MOVES = frozenset({(Status.PENDING, Status.CONFIRMED), (Status.PENDING, Status.REJECTED)})
    WAITING_SINCE = "created_at"
    # No NOTIFY entries: a decision (of one activity or a batch of many) is told to the apprentice
    # in one notice per decision (teaching.services._tell_apprentices), not one per row.
    NOTIFY: dict = {}

    apprenticeship = models.ForeignKey(
        Apprenticeship, models.CASCADE, related_name="activities", verbose_name=_("师承关系")
    )
    kind = models.CharField(_("活动形式"), max_length=16, choices=Kind.choices)
    category = models.CharField(_("课时类别"), max_length=16, choices=Category.choices)
    date = models.DateField(_("日期"))
    hours = models.DecimalField(_("课时"), max_digits=4, decimal_places=1)
    topic = models.CharField(_("内容"), max_length=200)
    online = models.BooleanField(_("线上开展"), default=False)
    # 000 §三(五) 备注: a face-to-face course held online records the master's agreement.
    online_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("商定人")
    )
    online_agreed_on = models.DateField(_("商定日期"), null=True, blank=True)
    online_agreement_note = models.TextField(_("改为线上的商定说明"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to=ServerName("teaching/evidence"), blank=True)
    evidence_type = models.CharField(max_length=100, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = models.TextField(_("不予确认的原因"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("带教活动")
        verbose_name_plural = _("带教活动")
        ordering = ["-date", "-pk"]
        indexes = [
            # Progress is one aggregate over (apprenticeship, status) grouped by category; with
            # hours in the key it is answered from the index alone.
            models.Index(fields=["apprenticeship", "status", "category", "hours"], name="teaching_act_progress"),
            models.Index(fields=["apprenticeship", "date"], name="teaching_act_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="teaching_activity_hours_within_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.hours} 课时"

    def get_absolute_url(self) -> str:
        return reverse("teaching:activity-list", args=[self.apprenticeship_id]) + f"#activity-{self.pk}"

    @property
    def is_undecided(self) -> bool:
        """The master may still confirm or refuse it."""
        return self.status in self.states_of("teaching.activity_decide")


class Graduation(_OfApprenticeship, models.Model):
    """出师考核 (000 §四(五)): the apprentice's materials and the master's assessment."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("准备材料")
        SUBMITTED = "submitted", _("待传承人考核")
        PASSED = "passed", _("考核通过")
        FAILED = "failed", _("考核未通过")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED: "teaching.graduation_submit"},
        # After a failed assessment the apprentice improves the materials and submits again.
        Status.FAILED: {Status.SUBMITTED: "teaching.graduation_submit"},
        Status.SUBMITTED: {Status.PASSED: "teaching.graduation_assess", Status.FAILED: "teaching.graduation_assess"},
    }
    MOVE_SERVICE = "teaching.services.graduation_move"
    MOVE_LABELS = {
        Status.SUBMITTED: _("提交传承人考核"),
        Status.PASSED: _("考核评定：通过"),
        Status.FAILED: _("考核评定：不通过"),
    }
    # The assessment scores every item and the whole: it is made on the graduation page's form.
    ASSESSMENT = frozenset({Status.PASSED, Status.FAILED})
    ENDING_STATES = frozenset({Status.FAILED})
    # Since its last change of state (materials may be added to a draft without one).
    WAITING_SINCE = "updated_at"
    WAITING_RELATED = ("apprenticeship__master", "apprenticeship__apprentice")
    NOTIFY = {
        Status.SUBMITTED: Notice(_("请进行出师考核：{obj}"), to=(MASTER_USER,)),
        Status.PASSED: [
            Notice(_("出师考核通过：{obj}"), to=(APPRENTICE_USER,)),
            Notice(_("出师考核通过，待颁发师承证书：{obj}"), to=("certificate_issuers",)),
        ],
        Status.FAILED: Notice(_("出师考核未通过，请修改结业材料后重新提交：{obj}"), to=(APPRENTICE_USER,)),
    }

    apprenticeship = models.OneToOneField(
        Apprenticeship, models.CASCADE, related_name="graduation", verbose_name=_("师承关系")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    score = models.PositiveSmallIntegerField(_("总评分"), null=True, blank=True)
    comment = models.TextField(_("总评语"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True)
    assessed_at = models.DateTimeField(_("考核时间"), null=True, blank=True)
    # The host unit's leave to submit before the term's end (teaching.quotas.EARLY_CLAUSE): who,
    # when and why, beside the audit row that records it too.
    early_reason = models.TextField(_("提前提交的理由"), blank=True)
    early_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("批准人")
    )
    early_allowed_at = models.DateTimeField(_("批准提前提交的时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("出师考核")
        verbose_name_plural = _("出师考核")
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        # The apprentice: to-dos read "出师考核：李明".
        return self.apprenticeship.apprentice.display_name

    def get_absolute_url(self) -> str:
        return reverse("teaching:graduation", args=[self.apprenticeship_id])

    def move_pages(self) -> dict:
        url = self.get_absolute_url() + "#assess-form"
        return dict.fromkeys(self.ASSESSMENT, url)

    def certificate_issuers(self) -> list:
        """Who issues the certificate once the assessment has passed: the apprenticeship's move."""
        from accounts.permissions import people_who_can

        return people_who_can("apprenticeship.graduate", self.apprenticeship)

    @property
    def is_editable(self) -> bool:
        """The apprentice may still change the materials: it is in a state from which he submits."""
        return self.status in self.states_of("teaching.graduation_submit")


class GraduationItem(models.Model):
    """One piece of graduation material and the master's assessment of it."""

    class Kind(models.TextChoices):
        # 000 §四(五): 病案、学习笔记、读书临证心得、论文.
        CASE_RECORD = "case_record", _("病案")
        STUDY_NOTE = "study_note", _("学习笔记")
        REFLECTION = "reflection", _("读书临证心得")
        PAPER = "paper", _("论文")

    graduation = models.ForeignKey(Graduation, models.CASCADE, related_name="items")
    kind = models.CharField(_("材料类别"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文或摘要"), blank=True)
    file = models.FileField(_("附件"), upload_to=ServerName("teaching/graduation"), blank=True)
    # A Word document's type is 71 characters long.
    file_type = models.CharField(max_length=100, blank=True, editable=False)
    score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("结业材料")
        verbose_name_plural = _("结业材料")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"
