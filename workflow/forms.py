from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import DateInput
from workflow.models import AuditEntry


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部"))] + AuditEntry.Action.choices)
    outcome = forms.ChoiceField(label=_("结果"), required=False, choices=[("", _("全部"))] + AuditEntry.Outcome.choices)
    object = forms.CharField(label=_("对象"), required=False, max_length=100)
    since = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    until = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期"))
        return data

    def filter(self, entries):
        if not self.is_valid():
            return entries.none()
        data = self.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor_label=data["actor"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["outcome"]:
            entries = entries.filter(outcome=data["outcome"])
        if data["object"]:
            entries = entries.filter(object_repr__contains=data["object"])
        if data["since"]:
            entries = entries.filter(created_at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(created_at__date__lte=data["until"])
        return entries
