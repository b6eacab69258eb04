from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import CaseRecord

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("病案表格（.xlsx，每行一诊次）"))
    kind = forms.ChoiceField(
        label=_("病案类型"), choices=CaseRecord.Kind.choices, initial=CaseRecord.Kind.RETROSPECTIVE
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 20 MB；请拆分为多个文件"))
        return upload


class AnalysisForm(forms.Form):
    subject = forms.ModelChoiceField(
        label=_("医师"), queryset=User.objects.none(), required=False, empty_label=_("全部可见病案")
    )
    disease = forms.CharField(label=_("中医疾病"), max_length=100, required=False)
    syndrome = forms.CharField(label=_("证候"), max_length=100, required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_support = forms.FloatField(label=_("最小支持度"), initial=0.1, min_value=0.0, max_value=1.0)
    min_confidence = forms.FloatField(label=_("最小置信度"), initial=0.8, min_value=0.0, max_value=1.0)
    max_len = forms.IntegerField(label=_("最多药味数"), initial=4, min_value=1, max_value=10)

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["subject"].label_from_instance = lambda u: u.display_name
