"""Value evaluation of accepted techniques by an expert pool (EVA-1..4, PRO-2).

003 §三(二).4: 「通过疗效判定、患者随访、专家论证等流程，客观评价各类优势技术的医学价值，并进行筛选和分级管理」.

An `Evaluation` is one technique's evaluation, opened by the city office (alone or in a batch),
with its rubric, panel mix and deadline. Experts are invited (`Assignment`, one per expert per
round), accept or decline, and score independently (`Score`). The panel records its conclusion
(`PanelConclusion`, one per round); the office makes the final decision (`FinalDecision`) or
orders another round. Rubrics and grade scales are data, so the office changes them without code.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import in_regions
from workflow.maps import Notice


class Field(models.TextChoices):
    TCM = "tcm", _("中医")
    WESTERN = "western", _("西医")


class ExpertProfile(models.Model):
    """A member of the expert pool (EVA-1): a user holding the 评估专家 role."""

    class Title(models.TextChoices):
        CHIEF = "chief", _("主任医师")
        ASSOCIATE_CHIEF = "associate_chief", _("副主任医师")
        ATTENDING = "attending", _("主治医师")
        PROFESSOR = "professor", _("教授")
        ASSOCIATE_PROFESSOR = "associate_professor", _("副教授")
        RESEARCHER = "researcher", _("研究员")
        ASSOCIATE_RESEARCHER = "associate_researcher", _("副研究员")
        PHARMACIST = "chief_pharmacist", _("主任药师")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.PROTECT, related_name="expert_profile")
    field = models.CharField(_("专业类别"), max_length=8, choices=Field.choices)
    title = models.CharField(_("职称"), max_length=24, choices=Title.choices)
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="+", verbose_name=_("工作单位")
    )
    region = models.ForeignKey("accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"))
    # Technique categories and diseases the expert is competent in: matched against the
    # technique's category and diseases when a panel is suggested.
    specialties = models.ManyToManyField(
        "techniques.Term", blank=True, related_name="+", verbose_name=_("专长（技术类别、病种）")
    )
    specialty_note = models.CharField(_("专长说明"), max_length=200, blank=True)
    is_available = models.BooleanField(_("可参加评估"), default=True)
    unavailable_note = models.CharField(_("不可参加的原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("评估专家")
        verbose_name_plural = _("评估专家")
        ordering = ["field", "pk"]
        indexes = [models.Index(fields=["field", "is_available"])]

    def __str__(self) -> str:
        return self.user.display_name

    @property
    def county_prefix(self) -> str:
        return self.region.prefix[:6]

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(organization_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(user_id=user.pk)

    def audit_organization(self):
        return self.organization


class ExpertRelationship(models.Model):
    """A relationship the expert declared (EVA-2): to a holder (a person) or to an organization.
    Checked against every technique the expert might be assigned to."""

    class Kind(models.TextChoices):
        KIN = "kin", _("亲属关系")
        TEACHER = "teacher", _("师承关系")
        COLLEAGUE = "colleague", _("同事或合作关系")
        EMPLOYMENT = "employment", _("任职或兼职")
        FINANCIAL = "financial", _("经济利益关系")
        OTHER = "other", _("其他")

    expert = models.ForeignKey(ExpertProfile, models.CASCADE, related_name="relationships")
    kind = models.CharField(_("关系类型"), max_length=12, choices=Kind.choices)
    holder_name = models.CharField(_("持有人姓名"), max_length=64, blank=True)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("持有人账号")
    )
    organization = models.ForeignKey(
        "accounts.Organization", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("专家申报的关系")
        verbose_name_plural = _("专家申报的关系")
        ordering = ["expert", "-declared_at"]

    def __str__(self) -> str:
        party = self.holder_name or (self.organization.name if self.organization_id else "—")
        return f"{self.get_kind_display()}：{party}"


class Rubric(models.Model):
    """A scoring rubric: weighted criteria. Configured as data (admin), copied by reference."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    is_default = models.BooleanField(_("默认"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # Two experts further apart than this on a criterion (or on the total) flag the evaluation.
    disagreement_spread = models.DecimalField(
        _("分歧阈值（分）"), max_digits=5, decimal_places=1, default=Decimal("30")
    )

    class Meta:
        verbose_name = _("评分细则")
        verbose_name_plural = _("评分细则")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, models.CASCADE, related_name="criteria")
    name = models.CharField(_("评价指标"), max_length=40)
    guidance = models.CharField(_("评分要点"), max_length=300, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=3, validators=[MinValueValidator(0)])
    max_score = models.PositiveSmallIntegerField(_("满分"), default=100, validators=[MaxValueValidator(1000)])
    required = models.BooleanField(_("必评"), default=True)
    allow_not_applicable = models.BooleanField(_("可选「不适用」"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["rubric", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rubric", "name"], name="criterion_unique_name")]

    def __str__(self) -> str:
        return self.name


class GradeScale(models.Model):
    """The grade scale (configurable; default 甲/乙/丙 by total score)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        verbose_name = _("分级标准")
        verbose_name_plural = _("分级标准")

    def __str__(self) -> str:
        return self.name


class GradeLevel(models.Model):
    scale = models.ForeignKey(GradeScale, models.CASCADE, related_name="levels")
    label = models.CharField(_("等级"), max_length=20)
    min_score = models.DecimalField(_("最低总分"), max_digits=5, decimal_places=1)
    # The grade written to the technique database (techniques.Technique.Grade).
    technique_grade = models.CharField(_("对应技术等级"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("等级")
        verbose_name_plural = _("等级")
        ordering = ["scale", "-min_score"]
        constraints = [models.UniqueConstraint(fields=["scale", "label"], name="grade_level_unique_label")]

    def __str__(self) -> str:
        return f"{self.label}（≥{self.min_score}）"


class EvaluationBatch(models.Model):
    """Evaluations opened together (one or many techniques) with the same settings."""

    title = models.CharField(_("批次名称"), max_length=100)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    organization = models.ForeignKey("accounts.Organization", models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评估批次")
        verbose_name_plural = _("评估批次")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title


class Evaluation(models.Model):
    class Status(models.TextChoices):
        ASSIGNING = "assigning", _("组建专家组")
        SCORING = "scoring", _("专家评分")
        CONCLUDED = "concluded", _("待终审")
        FINALIZED = "finalized", _("已终审")
        CANCELLED = "cancelled", _("已撤销")

    # The city office runs the evaluation; a re-review round goes back to assigning with the
    # earlier rounds kept (003 §三(二).4 筛选和分级管理).
    TRANSITIONS = {
        Status.ASSIGNING: {Status.SCORING: "evaluation.manage", Status.CANCELLED: "evaluation.manage"},
        Status.SCORING: {Status.CONCLUDED: "evaluation.manage", Status.CANCELLED: "evaluation.manage"},
        Status.CONCLUDED: {Status.FINALIZED: "evaluation.finalize", Status.ASSIGNING: "evaluation.finalize"},
    }
    # The stages in which the panel works: experts are invited, answer and score.
    PANEL_STATES = (Status.ASSIGNING, Status.SCORING)
    # Workflow core (workflow/services.py).
    MOVE_SERVICE = "evaluations.services.evaluation_move"
    MOVE_LABELS = {
        Status.SCORING: _("开始评分"),
        Status.CANCELLED: _("撤销评估"),
        Status.CONCLUDED: _("形成专家组结论"),
        Status.FINALIZED: _("终审"),
        Status.ASSIGNING: _("复评"),
    }
    REASON_REQUIRED = frozenset({Status.CANCELLED, Status.ASSIGNING})
    ENDING_STATES = frozenset({Status.CANCELLED})
    # Cancelling is nobody's task. The panel's conclusion waits for the office only once the panel
    # is done (every score in, or the deadline passed), which the state alone cannot say:
    # evaluations/todos.py lists it then, from evaluations.permissions.ready_to_conclude_q.
    SIDE_MOVES = frozenset(
        {(Status.ASSIGNING, Status.CANCELLED), (Status.SCORING, Status.CANCELLED), (Status.SCORING, Status.CONCLUDED)}
    )
    WAITING_SINCE = "stage_entered_at"
    WAITING_RELATED = ("technique",)
    # Who hears of each arrival. The experts hear when they must score and how the evaluation they
    # sat on ends; the holders, whom the opening told, hear how it ends or that it goes round again;
    # the office hears when a conclusion waits for its decision.
    NOTIFY = {
        Status.SCORING: Notice(
            _("请为「{obj.technique.name}」评分"),
            to=("scoring_panel",),
            body=_("专家组已组建完成，请在 {obj.deadline_text} 前独立评分。"),
        ),
        Status.CONCLUDED: Notice(_("「{obj.technique.name}」待终审"), to=("act:evaluation.finalize",)),
        Status.FINALIZED: Notice(
            _("「{obj.technique.name}」价值评估终审：{obj.outcome_label}"), to=("holder_users", "panel_users")
        ),
        Status.ASSIGNING: Notice(
            _("「{obj.technique.name}」价值评估将复评"), to=("holder_users", "act:evaluation.manage")
        ),
        Status.CANCELLED: Notice(_("「{obj.technique.name}」价值评估已撤销"), to=("holder_users", "active_panel")),
    }

    batch = models.ForeignKey(EvaluationBatch, models.PROTECT, related_name="evaluations", verbose_name=_("批次"))
    technique = models.ForeignKey(
        "techniques.Technique", models.PROTECT, related_name="evaluations", verbose_name=_("优势技术")
    )
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    # The technique's region, copied when the evaluation is opened: only accepted techniques are
    # evaluated, and an accepted technique's region no longer changes. Scoping on it spares
    # reading the technique's row for every evaluation a list or the dashboard counts.
    region = models.ForeignKey(
        "accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"), editable=False
    )
    rubric = models.ForeignKey(Rubric, models.PROTECT, related_name="+", verbose_name=_("评分细则"))
    grade_scale = models.ForeignKey(GradeScale, models.PROTECT, related_name="+", verbose_name=_("分级标准"))
    tcm_count = models.PositiveSmallIntegerField(_("中医专家人数"), validators=[MaxValueValidator(15)])
    western_count = models.PositiveSmallIntegerField(_("西医专家人数"), validators=[MaxValueValidator(15)])
    deadline = models.DateTimeField(_("评分截止时间"))
    disagreement_spread = models.DecimalField(_("分歧阈值（分）"), max_digits=5, decimal_places=1)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ASSIGNING)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    # The current round's figures, refreshed whenever an expert submits (the dashboard filters them).
    score = models.FloatField(_("综合得分"), null=True, blank=True)
    flagged = models.BooleanField(_("专家意见分歧"), default=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    scoring_started_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("价值评估")
        verbose_name_plural = _("价值评估")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["technique", "status"]),
            models.Index(fields=["flagged", "status"]),
            models.Index(fields=["-opened_at"]),
            # The graded database (newest decisions first) and the dashboard (oldest waiting first).
            models.Index(fields=["status", "-finalized_at"]),
            models.Index(fields=["status", "stage_entered_at"]),
            # Counting by stage within a scope reads this index only (docs/performance.md).
            models.Index(fields=["status", "region", "organization"], name="evaluation_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.technique.name}（第{self.round}轮）" if self.round > 1 else self.technique.name

    def get_absolute_url(self) -> str:
        return reverse("evaluations:detail", args=[self.pk])

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(organization_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        # The experts of the panel (invited, accepted or done, in any round) see the declaration
        # and all evidence (EVA-3).
        mine = Assignment.objects.filter(expert__user_id=user.pk).exclude(
            status__in=[Assignment.Status.DECLINED, Assignment.Status.WITHDRAWN]
        )
        return Q(pk__in=mine.values("evaluation_id"))

    def audit_organization(self):
        return self.organization

    def move_pages(self) -> dict:
        """The conclusion (grade, recommendation), the final decision (grade, class) and a re-review
        (a new deadline) are made with the forms of the evaluation page."""
        url = self.get_absolute_url()
        return {
            self.Status.CONCLUDED: f"{url}#conclude-form",
            self.Status.FINALIZED: f"{url}#decide-form",
            self.Status.ASSIGNING: f"{url}#decide-form",
        }

    @property
    def is_past_deadline(self) -> bool:
        return timezone.now() > self.deadline

    @property
    def is_closed(self) -> bool:
        """Finalized or cancelled: a state the table leads nowhere from."""
        return not self.TRANSITIONS.get(self.status)

    @property
    def deadline_text(self) -> str:
        return timezone.localtime(self.deadline).strftime("%Y-%m-%d %H:%M")

    @property
    def disagreement_note(self) -> str:
        return str(_("专家意见存在分歧，请查看逐项分歧。")) if self.flagged else ""

    @property
    def outcome_label(self) -> str:
        """The final decision in words: the grade, or that the technique did not pass."""
        decision = FinalDecision.objects.filter(evaluation_id=self.pk).only("grade").first()
        return (decision.grade if decision else "") or str(_("未通过筛选"))

    # --- who hears of its arrivals (NOTIFY) --------------------------------------------------------

    def holder_users(self):
        from accounts.models import User

        return User.objects.filter(pk__in=self.technique.holders.exclude(user=None).values("user_id"))

    def panel_users(self):
        """Every expert ever invited to its panel, in any round."""
        from accounts.models import User

        return User.objects.filter(expert_profile__assignments__evaluation=self).distinct()

    def scoring_panel(self):
        """The experts of the current round who have accepted: they score now."""
        from accounts.models import User

        return User.objects.filter(
            expert_profile__assignments__evaluation=self,
            expert_profile__assignments__round=self.round,
            expert_profile__assignments__status=Assignment.Status.ACCEPTED,
        ).distinct()

    def active_panel(self):
        """The experts of the current round still invited or at work."""
        from accounts.models import User

        return User.objects.filter(
            expert_profile__assignments__evaluation=self,
            expert_profile__assignments__round=self.round,
            expert_profile__assignments__status__in=[Assignment.Status.INVITED, Assignment.Status.ACCEPTED],
        ).distinct()


class Assignment(models.Model):
    """One expert on one evaluation's panel in one round."""

    class Status(models.TextChoices):
        INVITED = "invited", _("已邀请")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")
        SUBMITTED = "submitted", _("已提交评分")
        WITHDRAWN = "withdrawn", _("已撤回")

    TRANSITIONS = {
        Status.INVITED: {
            Status.ACCEPTED: "assignment.respond",
            Status.DECLINED: "assignment.respond",
            Status.WITHDRAWN: "evaluation.manage",
        },
        Status.ACCEPTED: {Status.SUBMITTED: "assignment.score", Status.WITHDRAWN: "evaluation.manage"},
    }
    # Workflow core (workflow/services.py). What waits for an expert is what their scope allows
    # now (owner_q below): an invitation while its round runs, a sheet while it is being scored.
    MOVE_SERVICE = "evaluations.services.assignment_move"
    MOVE_LABELS = {
        Status.ACCEPTED: _("接受"),
        Status.DECLINED: _("谢绝"),
        Status.SUBMITTED: _("填写评分"),
        Status.WITHDRAWN: _("撤回"),
    }
    REASON_REQUIRED = frozenset({Status.DECLINED, Status.WITHDRAWN})
    ENDING_STATES = frozenset({Status.DECLINED, Status.WITHDRAWN})
    SIDE_MOVES = frozenset({(Status.INVITED, Status.WITHDRAWN), (Status.ACCEPTED, Status.WITHDRAWN)})
    WAITING_SINCE = "invited_at"
    WAITING_RELATED = ("evaluation__technique", "expert__user")
    # The office hears each answer, and once the whole panel has scored (not each sheet: nobody
    # but the office learns who has scored); the expert hears when withdrawn. An invitation is
    # not an arrival but a creation: services.assignment_create sends it with the personal link.
    NOTIFY = {
        Status.ACCEPTED: Notice(
            _("{obj.expert}接受了「{obj.evaluation.technique.name}」的评估邀请"), to=("act:evaluation.manage",)
        ),
        Status.DECLINED: Notice(
            _("{obj.expert}谢绝了「{obj.evaluation.technique.name}」的评估邀请"), to=("act:evaluation.manage",)
        ),
        Status.SUBMITTED: Notice(
            _("「{obj.evaluation.technique.name}」专家已全部提交评分"),
            to=("office_when_panel_done",),
            body=_("请汇总形成专家组结论。{obj.evaluation.disagreement_note}"),
        ),
        Status.WITHDRAWN: Notice(_("「{obj.evaluation.technique.name}」的评估邀请已撤回"), to=("expert.user",)),
    }

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(ExpertProfile, models.PROTECT, related_name="assignments")
    round = models.PositiveSmallIntegerField(default=1)
    field = models.CharField(max_length=8, choices=Field.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_reason = models.CharField(_("答复说明"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The conflicts found when the expert was assigned, and the office's waiver if any (EVA-2).
    conflicts = models.JSONField(default=list, blank=True)
    waiver_reason = models.CharField(_("豁免理由"), max_length=300, blank=True)
    waiver_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # The personal link: only its hash is kept; a new link replaces the old one.
    link_hash = models.CharField(max_length=64, blank=True, db_index=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_after_at = models.DateTimeField(null=True, blank=True)
    overall_comment = models.TextField(_("总体意见"), blank=True)
    total = models.FloatField(_("个人加权总分"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家指派")
        verbose_name_plural = _("专家指派")
        ordering = ["evaluation", "round", "field", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "expert", "round"], name="assignment_unique_per_round")
        ]
        indexes = [
            models.Index(fields=["expert", "status"]),
            models.Index(fields=["evaluation", "round", "status"]),
        ]

    def __str__(self) -> str:
        # The evaluation first: an expert's to-do reads 「答复评估邀请：<technique> · <expert>」.
        return f"{self.evaluation} · {self.expert}"

    def get_absolute_url(self) -> str:
        # One address for every reader: it takes each where they act on the assignment
        # (views.assignment_page).
        return reverse("evaluations:assignment", args=[self.pk])

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        q = in_regions("evaluation__region", regions)
        if organization_ids:
            q |= Q(evaluation__organization_id__in=organization_ids)
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        """The expert's own assignments (the acts on an assignment are the expert's answer and
        score sheet, so this is what the expert may act on): an open invitation only while its round
        runs, an accepted one only while the round is scored. An invitation left open when its
        evaluation ended, or a sheet before scoring starts, is nothing the expert can do: no button,
        no to-do, no sheet (their evaluation page and queue still list it)."""
        Status = cls.Status
        current = Q(round=F("evaluation__round"))
        return Q(expert__user_id=user.pk) & (
            ~Q(status__in=[Status.INVITED, Status.ACCEPTED])
            | (current & Q(status=Status.INVITED, evaluation__status__in=Evaluation.PANEL_STATES))
            | (current & Q(status=Status.ACCEPTED, evaluation__status=Evaluation.Status.SCORING))
        )

    def audit_organization(self):
        return self.evaluation.organization

    def move_pages(self) -> dict:
        # The score sheet is filled in criterion by criterion on its own page.
        return {self.Status.SUBMITTED: reverse("evaluations:score", args=[self.pk])}

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.INVITED, self.Status.ACCEPTED, self.Status.SUBMITTED)

    @property
    def waits_for_panel(self) -> bool:
        """Accepted while the panel is still being formed: the sheet opens when scoring starts."""
        return self.status == self.Status.ACCEPTED and self.evaluation.status == Evaluation.Status.ASSIGNING

    def office_when_panel_done(self):
        """Who hears of a submitted sheet: the office, once nobody of the round still owes one."""
        from accounts.permissions import people_who_can

        owing = Assignment.objects.filter(
            evaluation_id=self.evaluation_id, round=self.round, status=self.Status.ACCEPTED
        ).exists()
        return [] if owing else people_who_can("evaluation.manage", self.evaluation)


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="+")
    value = models.DecimalField(_("分数"), max_digits=5, decimal_places=1, null=True, blank=True)
    not_applicable = models.BooleanField(_("不适用"), default=False)
    comment = models.CharField(_("评语"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique_criterion"),
            models.CheckConstraint(
                condition=Q(not_applicable=True, value__isnull=True) | Q(not_applicable=False, value__isnull=False),
                name="score_value_or_not_applicable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {'不适用' if self.not_applicable else self.value}"


# --- evidence (EVA-3) ------------------------------------------------------------------------------


class EfficacyRecord(models.Model):
    """疗效判定: one case with the measure, its value before and after, and the judgement."""

    class Judgement(models.TextChoices):
        CURED = "cured", _("痊愈")
        MARKED = "marked", _("显效")
        EFFECTIVE = "effective", pgettext_lazy("efficacy", "有效")
        INEFFECTIVE = "ineffective", _("无效")

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="efficacy_records")
    case = models.CharField(_("病例"), max_length=200)
    measure = models.CharField(_("观察指标"), max_length=100)
    before = models.CharField(_("治疗前"), max_length=100)
    after = models.CharField(_("治疗后"), max_length=100)
    judgement = models.CharField(_("疗效判定"), max_length=12, choices=Judgement.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("疗效判定记录")
        verbose_name_plural = _("疗效判定记录")
        ordering = ["evaluation", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.case}：{self.get_judgement_display()}"


class FollowUp(models.Model):
    """患者随访."""

    class Method(models.TextChoices):
        PHONE = "phone", _("电话随访")
        CLINIC = "clinic", _("门诊复查")
        HOME = "home", _("入户随访")
        ONLINE = "online", _("网络随访")

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="follow_ups")
    patient = models.CharField(_("患者（化名或编号）"), max_length=60)
    followed_on = models.DateField(_("随访日期"))
    method = models.CharField(_("随访方式"), max_length=8, choices=Method.choices)
    outcome = models.CharField(_("随访结果"), max_length=300)
    adverse_events = models.CharField(_("不良事件"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("患者随访记录")
        verbose_name_plural = _("患者随访记录")
        ordering = ["evaluation", "followed_on"]

    def __str__(self) -> str:
        return f"{self.patient} {self.followed_on}"


class Meeting(models.Model):
    """专家论证会: who attended, the minutes and the conclusion."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("论证日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    attendees = models.ManyToManyField(ExpertProfile, blank=True, related_name="+", verbose_name=_("出席专家"))
    other_attendees = models.CharField(_("其他出席人员"), max_length=300, blank=True)
    minutes = models.TextField(_("会议纪要"))
    conclusion = models.CharField(_("论证结论"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("专家论证会")
        verbose_name_plural = _("专家论证会")
        ordering = ["evaluation", "held_on"]

    def __str__(self) -> str:
        return f"{self.held_on} 专家论证"


# --- decision -------------------------------------------------------------------------------------


class Recommendation(models.TextChoices):
    PROMOTE = "promote", _("推荐推广应用")
    PROTECT = "protect", _("重点保护、继续观察")
    IMPROVE = "improve", _("完善资料后再评")
    NOT_RECOMMENDED = "not_recommended", _("不予推荐")


class PanelConclusion(models.Model):
    """The panel's conclusion for one round: the aggregate it rests on, the screening outcome,
    the grade and the recommendation."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="conclusions")
    round = models.PositiveSmallIntegerField()
    score = models.FloatField(_("综合得分"), null=True)
    tcm_score = models.FloatField(_("中医组得分"), null=True)
    western_score = models.FloatField(_("西医组得分"), null=True)
    computed_grade = models.CharField(_("按分数应得等级"), max_length=20, blank=True)
    passed = models.BooleanField(_("通过筛选"))
    grade = models.CharField(_("专家组评定等级"), max_length=20, blank=True)
    recommendation = models.CharField(_("推荐意见"), max_length=16, choices=Recommendation.choices)
    conclusion = models.TextField(_("专家组结论"))
    flagged = models.BooleanField(_("存在意见分歧"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("专家组结论")
        verbose_name_plural = _("专家组结论")
        ordering = ["evaluation", "round"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "round"], name="conclusion_unique_round")]

    def __str__(self) -> str:
        return f"第{self.round}轮：{self.grade or '未分级'}"


class FinalDecision(models.Model):
    """The office's final decision, separate from the panel's conclusion."""

    evaluation = models.OneToOneField(Evaluation, models.CASCADE, related_name="decision")
    round = models.PositiveSmallIntegerField()
    passed = models.BooleanField(_("通过筛选"))
    grade = models.CharField(_("最终等级"), max_length=20, blank=True)
    technique_grade = models.CharField(max_length=2, blank=True)
    management_class = models.CharField(_("管理类别"), max_length=40, blank=True)
    reason = models.TextField(_("决定说明"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("终审决定")
        verbose_name_plural = _("终审决定")
        indexes = [models.Index(fields=["grade", "decided_at"])]

    def __str__(self) -> str:
        return self.grade or "未通过"


# --- outcomes (PRO-2, EVA-4) ------------------------------------------------------------------------


class PromotionListing(models.Model):
    """A technique in the promotion catalogue of appropriate techniques 推广名录 (PRO-2)."""

    technique = models.OneToOneField("techniques.Technique", models.PROTECT, related_name="promotion_listing")
    evaluation = models.ForeignKey(Evaluation, models.PROTECT, related_name="+")
    grade = models.CharField(_("等级"), max_length=20)
    scope_note = models.CharField(_("推广范围与适用机构"), max_length=300)
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    listed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("推广名录")
        verbose_name_plural = _("推广名录")
        ordering = ["-listed_at"]

    def __str__(self) -> str:
        return self.technique.name


class TrainingClass(models.Model):
    """A training class run by the technique's holder."""

    listing = models.ForeignKey(PromotionListing, models.CASCADE, related_name="training_classes")
    holder = models.ForeignKey(
        "techniques.TechniqueHolder", models.PROTECT, related_name="+", verbose_name=_("授课持有人")
    )
    title = models.CharField(_("培训班名称"), max_length=100)
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    place = models.CharField(_("地点"), max_length=100)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def completed_count(self) -> int:
        # Counted over the prefetched trainees: the catalogue page lists many classes.
        return sum(1 for t in self.trainees.all() if t.completed)


class Trainee(models.Model):
    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="trainees")
    name = models.CharField(_("学员姓名"), max_length=64)
    organization = models.CharField(_("所在单位"), max_length=128)
    completed = models.BooleanField(_("已结业"), default=False)

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["training_class", "pk"]

    def __str__(self) -> str:
        return self.name


class SpecialtyClinic(models.Model):
    """特色诊室 offering a catalogue technique."""

    listing = models.ForeignKey(PromotionListing, models.CASCADE, related_name="clinics")
    name = models.CharField(_("诊室名称"), max_length=100)
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="+", verbose_name=_("所在机构")
    )
    opened_on = models.DateField(_("开设日期"))

    class Meta:
        verbose_name = _("特色诊室")
        verbose_name_plural = _("特色诊室")
        ordering = ["-opened_on"]

    def __str__(self) -> str:
        return self.name


class PricingProposal(models.Model):
    """EVA-4: the pricing factors and what they give — a price proposal and a medical-insurance
    recommendation for the medical-insurance bureau."""

    evaluation = models.OneToOneField(Evaluation, models.CASCADE, related_name="pricing")
    clinical_value = models.PositiveSmallIntegerField(_("临床价值"), validators=[MaxValueValidator(100)])
    patient_recognition = models.PositiveSmallIntegerField(_("患者认可度"), validators=[MaxValueValidator(100)])
    labour_value = models.PositiveSmallIntegerField(_("技术劳务价值"), validators=[MaxValueValidator(100)])
    reference_price = models.DecimalField(_("参照项目价格（元/次）"), max_digits=9, decimal_places=2)
    factor = models.DecimalField(_("调整系数"), max_digits=5, decimal_places=3)
    proposed_price = models.DecimalField(_("建议价格（元/次）"), max_digits=9, decimal_places=2)
    day_treatment = models.BooleanField(_("建议纳入日间治疗"), default=False)
    outpatient = models.BooleanField(_("建议纳入门诊统筹"), default=False)
    per_disease = models.BooleanField(_("建议按病种付费"), default=False)
    rationale = models.TextField(_("理由"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("价格与医保建议")
        verbose_name_plural = _("价格与医保建议")

    def __str__(self) -> str:
        return f"{self.evaluation.technique.name} {self.proposed_price} 元"

    @property
    def insurance_labels(self) -> list[str]:
        return [
            str(label)
            for flag, label in (
                (self.day_treatment, _("日间治疗")),
                (self.outpatient, _("门诊")),
                (self.per_disease, _("按病种付费")),
            )
            if flag
        ]
