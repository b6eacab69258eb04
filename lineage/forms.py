from django import forms
from django.utils.translation import gettext_lazy as _

from lineage.models import Certainty, LinkKind, Person, Sex, Source
from masters.models import Master

DATE_HELP = _(
    "可写 1897、约1850、1900年前、1865年后、1890至1900年之间、1905—1916、光绪二十三年；估计或推算的加（估计）（推算）"
)


class StyledForm(forms.Form):
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


class PersonForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=64)
    courtesy_name = forms.CharField(label=_("字"), max_length=32, required=False)
    art_name = forms.CharField(label=_("号"), max_length=64, required=False)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth = forms.CharField(label=_("出生"), max_length=60, required=False, help_text=DATE_HELP)
    death = forms.CharField(label=_("去世"), max_length=60, required=False)
    living = forms.BooleanField(
        label=_("在世"), required=False, help_text=_("在世者（已认证传承人除外）公开时只显示姓名")
    )
    place = forms.CharField(label=_("籍贯（历史地名）"), max_length=100, required=False)
    specialties = forms.CharField(label=_("专长"), max_length=300, required=False)
    biography = forms.CharField(label=_("生平"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    thought = forms.CharField(label=_("学术思想"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    master = forms.ModelChoiceField(
        label=_("对应的传承人"),
        queryset=Master.objects.filter(status=Master.Status.CERTIFIED).order_by("name", "pk"),
        required=False,
        help_text=_("已认证的传承人：其公开主页将显示已核实的师承与弟子"),
    )


class LinkForm(StyledForm):
    """A link and its first citation: a link without a source is not worth entering."""

    teacher = forms.ModelChoiceField(label=_("师"), queryset=Person.objects.none())
    disciple = forms.ModelChoiceField(label=_("徒"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=_("传承方式"), choices=LinkKind.choices)
    start = forms.CharField(label=_("起始"), max_length=60, required=False, help_text=DATE_HELP)
    end = forms.CharField(label=_("结束"), max_length=60, required=False)
    certainty = forms.TypedChoiceField(label=_("可信度"), choices=Certainty.choices, coerce=int, initial=2)
    disputed = forms.BooleanField(label=_("存在争议"), required=False)
    dispute_note = forms.CharField(label=_("争议说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    source = forms.ModelChoiceField(label=_("来源"), queryset=Source.objects.none(), required=False)
    source_kind = forms.ChoiceField(label=_("新来源的类型"), choices=[("", "—")] + Source.Kind.choices, required=False)
    source_title = forms.CharField(label=_("新来源的题名"), max_length=200, required=False)
    source_author = forms.CharField(label=_("作者"), max_length=120, required=False)
    source_publisher = forms.CharField(label=_("出版者"), max_length=120, required=False)
    source_interviewer = forms.CharField(label=_("访谈人"), max_length=64, required=False)
    source_date = forms.CharField(label=_("来源日期"), max_length=60, required=False)
    source_place = forms.CharField(label=_("地点"), max_length=100, required=False)
    source_file = forms.FileField(label=_("文件（扫描件、录音转写等）"), required=False)
    quoted_text = forms.CharField(label=_("引文"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    page = forms.CharField(label=_("页码"), max_length=40, required=False)
    citation_certainty = forms.TypedChoiceField(label=_("引证可信度"), choices=Certainty.choices, coerce=int, initial=2)

    def __init__(self, *args, people=None, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = people
        self.fields["disciple"].queryset = people
        self.fields["source"].queryset = sources

    def new_source(self) -> dict | None:
        d = self.cleaned_data
        if d.get("source") or not (d.get("source_kind") or d.get("source_title")):
            return None
        return {
            "kind": d["source_kind"],
            "title": d["source_title"],
            "author": d["source_author"],
            "publisher": d["source_publisher"],
            "interviewer": d["source_interviewer"],
            "date": d["source_date"],
            "place": d["source_place"],
            "file": d.get("source_file"),
        }


class CitationForm(StyledForm):
    source = forms.ModelChoiceField(label=_("来源"), queryset=Source.objects.none())
    quoted_text = forms.CharField(label=_("引文"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    page = forms.CharField(label=_("页码"), max_length=40, required=False)
    certainty = forms.TypedChoiceField(label=_("可信度"), choices=Certainty.choices, coerce=int, initial=2)

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
