from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import DateInput
from teaching.models import Activity, GraduationItem, TeachingPlan
from teaching.quotas import MAX_HOURS_PER_DAY, Category


class Styled:
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class PlanForm(Styled, forms.ModelForm):
    class Meta:
        model = TeachingPlan
        fields = [
            "objectives",
            "content",
            "arrangements",
            "planned_theory",
            "planned_case_analysis",
            "planned_self_study",
            "planned_reflection",
        ]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "content": forms.Textarea(attrs={"rows": 4}),
            "arrangements": forms.Textarea(attrs={"rows": 4}),
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "objectives": data["objectives"],
            "content": data["content"],
            "arrangements": data["arrangements"],
            "planned": {c.value: data[f"planned_{c.value}"] for c in Category},
        }


class ActivityForm(Styled, forms.Form):
    kind = forms.ChoiceField(label=_("活动形式"), choices=Activity.Kind.choices)
    category = forms.ChoiceField(label=_("课时类别"), choices=Category.choices)
    date = forms.DateField(label=_("日期"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("课时"), min_value=0, max_value=MAX_HOURS_PER_DAY, max_digits=4, decimal_places=1
    )
    topic = forms.CharField(label=_("内容"), max_length=200)
    online = forms.BooleanField(label=_("线上开展"), required=False)
    online_agreed_on = forms.DateField(label=_("与传承人商定日期"), required=False, widget=DateInput())
    online_agreement_note = forms.CharField(
        label=_("改为线上的商定说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(label=_("佐证材料（PDF 或图片）"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("确认")), ("reject", _("不予确认"))])
    reason = forms.CharField(required=False, max_length=1000)


class GraduationItemForm(Styled, forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=GraduationItem.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("正文或摘要"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("附件（PDF、图片或 Word）"), required=False)
