from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, User
from cases.models import CaseImport, CaseRecord, Protocol, Visit
from lib.forms import DateInput
from lib.mining import MAX_CLUSTERS

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TEXTAREA = {"rows": 2}


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


def _threshold(label):
    # Range checked by the service, whose message names the rule (0 < x ≤ 1) and the value typed.
    return forms.FloatField(
        label=label,
        initial=None,
        error_messages={
            "required": _("必填，填 0 到 1 之间的小数，如 0.1 表示 10%"),
            "invalid": _("应为小数，如 0.1 表示 10%"),
        },
    )


class AnalysisForm(forms.Form):
    subject = forms.ModelChoiceField(
        label=_("医师"), queryset=User.objects.none(), required=False, empty_label=_("全部可见病案")
    )
    disease = forms.CharField(label=_("中医疾病"), max_length=100, required=False)
    syndrome = forms.CharField(label=_("证候"), max_length=100, required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())
    batch = forms.ModelChoiceField(
        label=_("导入批次"),
        queryset=CaseImport.objects.none(),
        required=False,
        empty_label=_("不限（全部导入与录入的病案）"),
        help_text=_("只分析某一次导入的病案"),
    )
    min_support = _threshold(_("最小支持度"))
    min_confidence = _threshold(_("最小置信度"))
    max_len = forms.IntegerField(label=_("最多药味数"), initial=4, min_value=1, max_value=10)
    clusters = forms.IntegerField(
        label=_("聚类组数（核心组合）"), initial=6, min_value=2, max_value=MAX_CLUSTERS, required=False
    )

    def __init__(self, *args, subjects, batches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["batch"].queryset = batches if batches is not None else CaseImport.objects.none()
        self.fields["subject"].label_from_instance = lambda u: u.display_name
        self.fields["min_support"].initial = 0.1
        self.fields["min_confidence"].initial = 0.8


class PatientForm(forms.Form):
    patient = forms.CharField(
        label=_("患者姓名或门诊号"),
        max_length=64,
        help_text=_("只用于生成化名（同一患者化名不变），不会保存，并会从病历文字中抹去"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("性别"), choices=CaseRecord.Sex.choices, required=False)
    age = forms.IntegerField(label=_("年龄（岁）"), min_value=0, max_value=120, required=False,
                             help_text=_("只保存年龄段"))  # fmt: skip
    county = forms.ModelChoiceField(
        label=_("患者所在县（市、区）"), queryset=Region.objects.none(), required=False, empty_label=_("未注明")
    )
    kind = forms.ChoiceField(label=_("病案类型"), choices=CaseRecord.Kind.choices, initial=CaseRecord.Kind.PROSPECTIVE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Region.objects.filter(level=Region.Level.COUNTY, parent_id="140800").order_by(
            "code"
        )


class VisitForm(forms.Form):
    date = forms.DateField(label=_("就诊日期"), required=False, widget=DateInput())
    chief_complaint = forms.CharField(label=_("主诉"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    symptoms = forms.CharField(label=_("四诊信息（症状）"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    tongue = forms.CharField(label=_("舌象"), max_length=200, required=False)
    pulse = forms.CharField(label=_("脉象"), max_length=200, required=False)
    tcm_disease = forms.CharField(label=_("中医疾病"), max_length=100, required=False,
                                  help_text=_("从规范病名中选择；自拟病名将标记为待规范"))  # fmt: skip
    syndrome = forms.CharField(label=_("证候"), max_length=100, required=False,
                               help_text=_("从规范证候中选择；自拟证候将标记为待规范"))  # fmt: skip
    western_diagnosis = forms.CharField(label=_("西医诊断"), max_length=200, required=False)
    treatment_principle = forms.CharField(label=_("治则治法"), max_length=300, required=False)
    acupoints = forms.CharField(label=_("针灸穴位"), max_length=300, required=False,
                                help_text=_("如：足三里、三阴交、内关"))  # fmt: skip
    outcome = forms.CharField(label=_("转归"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    efficacy = forms.ChoiceField(label=_("疗效评定"), choices=Visit.Efficacy.choices, required=False)


class PrescriptionForm(forms.Form):
    formula_name = forms.CharField(label=_("方剂名称"), max_length=100, required=False)
    composition = forms.CharField(
        label=_("方剂组成"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "黄芪30g;当归10g;炒白术10g;附子15g(先煎)"}),
        help_text=_("药名加剂量，以 ; ， 、 分隔；可用 g、钱、两、分 等单位，旧制单位按 1 钱 = 3 g 换算"),
    )
    decoction = forms.CharField(label=_("煎服法"), max_length=200, required=False,
                                widget=forms.TextInput(attrs={"placeholder": "水煎服，日一剂"}))  # fmt: skip
    administration = forms.CharField(label=_("用法用量"), max_length=200, required=False,
                                     widget=forms.TextInput(attrs={"placeholder": "早晚分服，共七剂"}))  # fmt: skip


PrescriptionFormSet = forms.formset_factory(PrescriptionForm, extra=2, max_num=5, validate_max=True)


class HerbMappingForm(forms.Form):
    spelling = forms.CharField(label=_("原始药名"), max_length=64)
    standard_name = forms.CharField(label=_("规范药名"), max_length=64)
    processing = forms.CharField(label=_("炮制"), max_length=16, required=False)


class ProtocolForm(forms.ModelForm):
    class Meta:
        model = Protocol
        fields = list(Protocol.CONTENT_FIELDS)
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 4}),
            "prescription": forms.Textarea(attrs={"rows": 4}),
            "modifications": forms.Textarea(attrs={"rows": 3}),
            "cautions": forms.Textarea(attrs={"rows": 3}),
        }
