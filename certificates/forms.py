from django import forms
from django.utils.translation import gettext_lazy as _


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("撤销原因：必须填写，原因将在公开查验页面显示")},
    )


class LookupForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=32)
