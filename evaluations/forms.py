"""Forms parse the pages' input; the rules are in services (they name the field and the rule)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.models import (
    EfficacyRecord,
    ExpertProfile,
    ExpertRelationship,
    Field,
    FollowUp,
    GradeScale,
    Recommendation,
    Rubric,
)
from lib.forms import DateInput

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def errors_text(form: forms.Form) -> str:
    """One Chinese sentence naming each field and what is wrong with it."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"「{label}」{e}" if label else e for e in errors)
    return "；".join(parts)


class OpenForm(forms.Form):
    title = forms.CharField(label=_("批次名称"), max_length=100, required=False)
    rubric = forms.ModelChoiceField(
        label=_("评分细则"), queryset=Rubric.objects.filter(is_active=True), empty_label=None
    )
    grade_scale = forms.ModelChoiceField(label=_("分级标准"), queryset=GradeScale.objects.all(), empty_label=None)
    tcm_count = forms.IntegerField(label=_("中医专家人数"), min_value=0, max_value=15, initial=3)
    western_count = forms.IntegerField(label=_("西医专家人数"), min_value=0, max_value=15, initial=2)
    deadline = forms.DateTimeField(label=_("评分截止时间"), widget=DATETIME_INPUT)
    disagreement_spread = forms.DecimalField(
        label=_("分歧阈值（分）"), min_value=1, max_value=100, decimal_places=1, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric"].initial = Rubric.objects.filter(is_default=True).first()
        self.fields["grade_scale"].initial = GradeScale.objects.filter(is_default=True).first()


class AssignForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("专家"), queryset=ExpertProfile.objects.all())
    waiver_reason = forms.CharField(label=_("回避豁免理由"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("意见或原因"), max_length=500, required=False)


class RespondForm(forms.Form):
    answer = forms.ChoiceField(label=_("答复"), choices=[("accept", _("接受")), ("decline", _("谢绝"))])
    reason = forms.CharField(label=_("说明（谢绝时必填）"), max_length=300, required=False)


def expect_field() -> forms.CharField:
    """The state the page showed when the form was filled in (workflow.transition's expect=): when
    the evaluation has moved on since, the person is told someone else has decided."""
    return forms.CharField(required=False, empty_value=None, widget=forms.HiddenInput)


class ConcludeForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("筛选结果"), choices=[("yes", _("通过筛选")), ("no", _("未通过筛选"))], coerce=lambda v: v == "yes"
    )
    grade = forms.CharField(label=_("评定等级"), max_length=20, required=False)
    recommendation = forms.ChoiceField(label=_("推荐意见"), choices=Recommendation.choices)
    conclusion = forms.CharField(label=_("专家组结论"), widget=forms.Textarea(attrs={"rows": 3}))
    expect = expect_field()


class DecideForm(forms.Form):
    action = forms.ChoiceField(label=_("决定"), choices=[("finalize", _("终审")), ("rereview", _("复评"))])
    passed = forms.TypedChoiceField(
        label=_("终审筛选结果"),
        choices=[("yes", _("通过筛选")), ("no", _("未通过筛选"))],
        coerce=lambda v: v == "yes",
        required=False,
    )
    grade = forms.CharField(label=_("最终等级"), max_length=20, required=False)
    management_class = forms.CharField(label=_("管理类别"), max_length=40, required=False)
    reason = forms.CharField(label=_("决定说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    deadline = forms.DateTimeField(label=_("复评截止时间"), widget=DATETIME_INPUT, required=False)
    expect = expect_field()


class EfficacyForm(forms.Form):
    case = forms.CharField(label=_("病例"), max_length=200)
    measure = forms.CharField(label=_("观察指标"), max_length=100)
    before = forms.CharField(label=_("治疗前"), max_length=100)
    after = forms.CharField(label=_("治疗后"), max_length=100)
    judgement = forms.ChoiceField(label=_("疗效判定"), choices=EfficacyRecord.Judgement.choices)


class FollowUpForm(forms.Form):
    patient = forms.CharField(label=_("患者（化名或编号）"), max_length=60)
    followed_on = forms.DateField(label=_("随访日期"), widget=DateInput())
    method = forms.ChoiceField(label=_("随访方式"), choices=FollowUp.Method.choices)
    outcome = forms.CharField(label=_("随访结果"), max_length=300)
    adverse_events = forms.CharField(label=_("不良事件"), max_length=300, required=False)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("论证日期"), widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    attendees = forms.ModelMultipleChoiceField(label=_("出席专家"), queryset=ExpertProfile.objects.none())
    other_attendees = forms.CharField(label=_("其他出席人员"), max_length=300, required=False)
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 3}))
    conclusion = forms.CharField(label=_("论证结论"), max_length=500)

    def __init__(self, *args, panel=None, **kwargs):
        super().__init__(*args, **kwargs)
        if panel is not None:
            self.fields["attendees"].queryset = panel


class ExpertForm(forms.Form):
    username = forms.CharField(label=_("专家账号（用户名）"), max_length=150)
    field = forms.ChoiceField(label=_("专业类别"), choices=Field.choices)
    title = forms.ChoiceField(label=_("职称"), choices=ExpertProfile.Title.choices)
    specialties = forms.CharField(label=_("专长（技术类别或病种，用顿号分隔）"), max_length=300, required=False)
    specialty_note = forms.CharField(label=_("专长说明"), max_length=200, required=False)


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(label=_("关系类型"), choices=ExpertRelationship.Kind.choices)
    holder_name = forms.CharField(label=_("持有人姓名"), max_length=64, required=False)
    organization = forms.CharField(label=_("单位名称"), max_length=128, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class AvailabilityForm(forms.Form):
    available = forms.TypedChoiceField(
        label=_("参加评估"), choices=[("yes", _("可参加")), ("no", _("暂停"))], coerce=lambda v: v == "yes"
    )
    note = forms.CharField(label=_("暂停原因"), max_length=200, required=False)


class PricingForm(forms.Form):
    clinical_value = forms.IntegerField(label=_("临床价值（0–100）"), min_value=0, max_value=100)
    patient_recognition = forms.IntegerField(label=_("患者认可度（0–100）"), min_value=0, max_value=100)
    labour_value = forms.IntegerField(label=_("技术劳务价值（0–100）"), min_value=0, max_value=100)
    reference_price = forms.DecimalField(label=_("参照项目价格（元/次）"), max_digits=9, decimal_places=2)
    day_treatment = forms.BooleanField(label=_("日间治疗"), required=False)
    outpatient = forms.BooleanField(label=_("门诊"), required=False)
    per_disease = forms.BooleanField(label=_("按病种付费"), required=False)
    rationale = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PromotionForm(forms.Form):
    scope_note = forms.CharField(label=_("推广范围与适用机构"), max_length=300)


class TrainingForm(forms.Form):
    holder = forms.IntegerField(label=_("授课持有人"))
    title = forms.CharField(label=_("培训班名称"), max_length=100)
    starts_on = forms.DateField(label=_("开班日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结业日期"), widget=DateInput())
    place = forms.CharField(label=_("地点"), max_length=100)


class TraineeForm(forms.Form):
    name = forms.CharField(label=_("学员姓名"), max_length=64)
    organization = forms.CharField(label=_("所在单位"), max_length=128)


class ClinicForm(forms.Form):
    name = forms.CharField(label=_("诊室名称"), max_length=100)
    organization = forms.CharField(label=_("所在医疗机构"), max_length=128)
    opened_on = forms.DateField(label=_("开设日期"), widget=DateInput())
