from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.widgets import RegionField
from apprenticeships.models import ApplicationDocument, ApprenticeApplication, Document
from apprenticeships.services import EDITABLE_FIELDS
from masters.models import Master
from masters.selectors import search_masters

# How many masters the application form offers at once; the person narrows them by searching.
MASTER_CHOICES_SHOWN = 20


def _style(fields) -> None:
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class ApplicationForm(forms.ModelForm):
    region_code = RegionField(label=_("所在地区"))
    masters = forms.ModelMultipleChoiceField(
        label=_("意向传承人"),
        queryset=Master.objects.filter(status=Master.Status.CERTIFIED),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("最多三位，按选择顺序作为第一、第二、第三意向"),
    )

    class Meta:
        model = ApprenticeApplication
        fields = [f for f in EDITABLE_FIELDS if f != "region"]  # the region is chosen with the picker
        widgets = {
            "intention": forms.Textarea(attrs={"rows": 3}),
            "exemption_claim": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, master_query: str = "", preselect=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        own = Organization.objects.filter(memberships__user=user).distinct() if user is not None else None
        # A member applies through their own unit; a person without one names a medical institution.
        if own is not None and own.exists():
            self.fields["organization"].queryset = own
            if not self.instance.pk:
                self.fields["organization"].initial = own.order_by("pk").first()
        else:
            self.fields["organization"].queryset = Organization.objects.filter(kind=Organization.Kind.MEDICAL)
        self.fields["recommending_organization"].queryset = Organization.objects.exclude(
            kind=Organization.Kind.GOVERNMENT
        ).order_by("name")
        if self.instance.pk:
            self.fields["region_code"].initial = self.instance.region_id
            chosen = [i.master_id for i in self.instance.intents.all()]
            self.fields["masters"].initial = chosen
        else:
            chosen = [m.pk for m in preselect or []]
            self.fields["masters"].initial = chosen
            if user is not None:
                self.fields["region_code"].initial = user.region_id
                self.fields["name"].initial = user.display_name
        # Offer the chosen masters and the first matches of the search, never all ten thousand.
        certified = Master.objects.filter(status=Master.Status.CERTIFIED).select_related("organization")
        shown = list(certified.filter(pk__in=chosen))
        found = search_masters(certified, {"q": master_query}) if master_query else certified
        shown += list(found.exclude(pk__in=chosen).order_by("name_pinyin", "pk")[:MASTER_CHOICES_SHOWN])
        self.fields["masters"].widget.choices = [
            (m.pk, f"{m.name}（{m.get_tier_display()} · {m.organization.name} · {m.specialty}）") for m in shown
        ]
        _style(self.fields)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["region"] = data.pop("region_code")
        masters = data.pop("masters")
        # Keep the order in which they were ticked (the POST order).
        order = [int(v) for v in self.data.getlist(self.add_prefix("masters")) if str(v).isdigit()]
        data["masters"] = sorted(masters, key=lambda m: order.index(m.pk) if m.pk in order else 99)
        return data


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=Document.choices)
    file = forms.FileField(label=_("文件（PDF、JPEG 或 PNG，不超过 10 MB）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self.fields)


class ExemptionForm(forms.Form):
    granted = forms.TypedChoiceField(choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1")
    reason = forms.CharField(max_length=1000)


class DecisionForm(forms.Form):
    to = forms.ChoiceField(choices=ApprenticeApplication.Status.choices)
    reason = forms.CharField(required=False, max_length=1000)


class VetForm(forms.Form):
    """One verdict and reason per current document, named verdict_<pk> and reason_<pk>."""

    comment = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        choices = [
            (ApplicationDocument.Verdict.ACCEPTED, _("通过")),
            (ApplicationDocument.Verdict.RETURNED, _("退回修改")),
            (ApplicationDocument.Verdict.REJECTED, _("不予认可")),
        ]
        for d in self.documents:
            initial = d.verdict if d.verdict != ApplicationDocument.Verdict.PENDING else ""
            self.fields[f"verdict_{d.pk}"] = forms.ChoiceField(
                label=d.get_kind_display(), choices=[("", "—")] + choices, required=False, initial=initial
            )
            self.fields[f"reason_{d.pk}"] = forms.CharField(
                label=_("%(kind)s的意见") % {"kind": d.get_kind_display()}, required=False, max_length=500
            )

    def verdicts(self) -> dict[int, tuple[str, str]]:
        out = {}
        for d in self.documents:
            verdict = self.cleaned_data.get(f"verdict_{d.pk}")
            if verdict:
                out[d.pk] = (verdict, self.cleaned_data.get(f"reason_{d.pk}", ""))
        return out

    def rows(self):
        return [(d, self[f"verdict_{d.pk}"], self[f"reason_{d.pk}"]) for d in self.documents]


class DecideForm(forms.Form):
    accept = forms.TypedChoiceField(choices=[("1", _("接受")), ("0", _("谢绝"))], coerce=lambda v: v == "1")
    reason = forms.CharField(required=False, max_length=1000)


class SignForm(forms.Form):
    agree = forms.BooleanField(label=_("我已阅读合同全文，同意以上条款"), required=False)
    scan = forms.FileField(label=_("或上传本人签字的合同扫描件（PDF、JPEG 或 PNG）"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("agree") and not data.get("scan"):
            raise forms.ValidationError(_("请勾选同意合同条款后签署，或上传签字扫描件"))
        return data


class StatusFilterForm(forms.Form):
    """The status drop-down of a list's filters; an unknown value filters nothing."""

    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部状态")), *choices]
        self.fields["status"].widget.attrs.update({"class": "form-select", "aria-label": _("状态")})

    def chosen(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""
