from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.widgets import RegionField
from lib.forms import DateInput
from masters.models import Master, MasterMaterial, MaterialPartner, Tier, tier_choices_by_track
from techniques.models import Technique


class MasterApplicationForm(forms.ModelForm):
    tier = forms.ChoiceField(label=_("层级"), choices=tier_choices_by_track())
    region_code = RegionField(label=_("所在地区"))
    techniques = forms.ModelMultipleChoiceField(
        label=_("传授的技术"),
        queryset=Technique.objects.filter(status__in=[Technique.Status.ACCEPTED, Technique.Status.PUBLISHED]),
        required=False,
    )

    class Meta:
        model = Master
        fields = [
            "tier",
            "title",
            "specialty",
            "clinical_since",
            "birth_date",
            "organization",
            "bio",
            "exemption_requested",
            "exemption_claim",
            "techniques",
        ]
        widgets = {
            "birth_date": DateInput(),
            "bio": forms.Textarea(attrs={"rows": 4}),
            "exemption_claim": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        own = Organization.objects.filter(memberships__user=user).distinct() if user is not None else None
        # A member applies through their own unit; a person without one names a medical institution.
        if own is not None and own.exists():
            self.fields["organization"].queryset = own
        else:
            self.fields["organization"].queryset = Organization.objects.filter(kind=Organization.Kind.MEDICAL)
        if self.instance.pk:
            self.fields["region_code"].initial = self.instance.region_id
        elif user is not None and user.region_id:
            self.fields["region_code"].initial = user.region_id
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    def clean_tier(self):
        return Tier(self.cleaned_data["tier"])

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["region"] = data.pop("region_code")
        return data


class ApplicationFilterForm(forms.Form):
    """The status filter of the application list (the search fields are read by selectors.search_masters)."""

    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), *Master.Status.choices],
        widget=forms.Select(attrs={"class": "form-select", "aria-label": _("状态")}),
    )


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(choices=Master.Status.choices)
    reason = forms.CharField(required=False, max_length=1000)


class ExemptionForm(forms.Form):
    granted = forms.TypedChoiceField(choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1")
    reason = forms.CharField(max_length=1000)


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("资料类别"), choices=MasterMaterial.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    product_type = forms.ChoiceField(
        label=_("产品类型（仅产品）"), choices=[("", "—"), *MasterMaterial.ProductType.choices], required=False
    )
    file = forms.FileField(label=_("文件"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(label=_("合作类型"), choices=MaterialPartner.Kind.choices)
    name = forms.CharField(label=_("合作单位"), max_length=120)
    cooperation = forms.CharField(label=_("合作内容"), max_length=300, required=False)
