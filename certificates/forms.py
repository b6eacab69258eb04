from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate


class RevokeForm(forms.Form):
    category = forms.ChoiceField(
        label=_("撤销类别（公开显示）"),
        choices=[("", "—"), *Certificate.RevocationCategory.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("撤销类别：必须选择，公开查验页面只显示类别"),
            "invalid_choice": _("撤销类别：请从列表中选择"),
        },
    )
    reason = forms.CharField(
        label=_("撤销原因（不公开）"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("撤销原因：必须填写，原因告知持证人和传承人，不在公开查验页面显示")},
    )


class LookupForm(forms.Form):
    # A number is one segment of /verify/<number>/: a "/" could name no certificate (issue 13 §8).
    number = forms.CharField(
        label=_("证书编号"),
        max_length=32,
        validators=[RegexValidator(r"^[^/]*$", message=_("证书编号不能含有“/”"))],
    )
    c = forms.CharField(label=_("查验码"), max_length=32, required=False)


class CertificateFilterForm(forms.Form):
    """The kind and status filters of the certificate list (selectors.search_certificates reads them)."""

    kind = forms.ChoiceField(
        required=False,
        choices=[("", _("全部类别")), *Certificate.Kind.choices],
        widget=forms.Select(attrs={"class": "form-select", "aria-label": _("证书类别")}),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("全部状态")), *Certificate.Status.choices],
        widget=forms.Select(attrs={"class": "form-select", "aria-label": _("状态")}),
    )
