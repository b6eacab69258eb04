import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.widgets import RegionField
from lib import files
from lib.identifiers import validate_mobile, validate_resident_id
from techniques.models import Technique, Term, Vocabulary

SPLIT = re.compile(r"[,，、;；\s]+")


def split_names(value: str) -> list[str]:
    return [n for n in SPLIT.split(value or "") if n]


class DeclarationForm(forms.ModelForm):
    region_code = RegionField(
        label=_("所在地区"),
        root="140800",
        help_text=_("到村一级：输入村名或拼音后从列表中选择"),
        error_messages={"outside": _("优势技术收集范围为运城市（140800），「%(name)s」不在其内")},
    )
    diseases_text = forms.CharField(
        label=_("治疗病种"),
        required=False,
        max_length=1000,
        help_text=_("多个病名用顿号或逗号分隔；不在标准病名表中的将单独标记"),
    )
    syndromes_text = forms.CharField(label=_("证候"), required=False, max_length=1000)
    features_text = forms.CharField(label=_("治法特色"), required=False, max_length=1000)
    consent_publish = forms.TypedChoiceField(
        label=_("同意公开"), choices=[("", "—"), ("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
    consent_research = forms.TypedChoiceField(
        label=_("同意用于研究"), choices=[("", "—"), ("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )

    class Meta:
        model = Technique
        fields = [
            "name",
            "category",
            "inheritance",
            "origin_history",
            "theory_features",
            "operation_method",
            "indications_free",
            "contraindications",
            "typical_cases",
            "consent_publish",
            "consent_research",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in ("origin_history", "theory_features", "operation_method", "contraindications", "typical_cases")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Term.objects.filter(vocabulary=Vocabulary.CATEGORY, is_active=True)
        self.fields["inheritance"].queryset = Term.objects.filter(vocabulary=Vocabulary.INHERITANCE, is_active=True)
        if self.instance.pk:
            self.initial["region_code"] = self.instance.region_id
            for key, rel in (
                ("diseases_text", "diseases"),
                ("syndromes_text", "syndromes"),
                ("features_text", "features"),
            ):
                self.initial[key] = "、".join(getattr(self.instance, rel).values_list("name", flat=True))
            self.initial["consent_publish"] = "1" if self.instance.consent_publish else "0"
            self.initial["consent_research"] = "1" if self.instance.consent_research else "0"


class HolderForm(forms.Form):
    name = forms.CharField(label=_("持有人姓名"), max_length=64, required=False)
    id_number = forms.CharField(label=_("身份证号码"), max_length=20, required=False)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    qualifications = forms.CharField(label=_("资格与证书"), max_length=300, required=False)
    is_recognised_specialist = forms.BooleanField(label=_("已认定为中医专长医师"), required=False)

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        return validate_resident_id(value) if value else ""

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return validate_mobile(value) if value else ""


HolderFormSet = forms.formset_factory(HolderForm, extra=0, min_num=1, max_num=5, validate_max=True)


class OfflineForm(forms.Form):
    """The offline channel: staff enter a paper form for a holder and keep the scan."""

    entered_org = forms.ModelChoiceField(label=_("录入单位"), queryset=None)
    scanned_original = forms.FileField(label=_("纸质申报表扫描件（PDF 或图片）"), required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entered_org"].queryset = organizations

    def clean_scanned_original(self):
        scan = self.cleaned_data.get("scanned_original")
        if scan:
            # Told here, beside the field; techniques.services types and renames it when it is kept.
            files.check_upload(
                scan, allowed=files.DOCUMENT, field_label=_("纸质申报表扫描件"), max_bytes=files.LIMITS["document"]
            )
        return scan


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("意见或原因"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    to = forms.ChoiceField(choices=Technique.Status.choices)


class RenameForm(forms.Form):
    new_name = forms.CharField(label=_("新名称"), max_length=64)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
