from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.widgets import RegionField
from lib import fieldcrypt
from lib.identifiers import validate_mobile


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意：连续 5 次输错，账号将被锁定 15 分钟。"),
        "inactive": _("该账号已停用，请联系所在单位管理员。"),
    }

    def clean_username(self):
        # Django sets the username's max_length on the widget only; without this check an
        # over-long name would reach authenticate() and the lock-out table.
        username = self.cleaned_data["username"]
        if len(username) > 150:
            raise forms.ValidationError(
                _("用户名不能超过 %(limit)d 个字符（当前 %(count)d 个）") % {"limit": 150, "count": len(username)}
            )
        return username


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset e-mail through a background task, so a slow mail server never holds up
    the page (and the reply is the same whether or not the address exists)."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        from django.template import loader

        from accounts.tasks import send_email

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email.enqueue(subject=subject, body=body, to=[to_email])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64, help_text=_("例如：省平台数据对接"))


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("名称"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("单位类型"), required=False, choices=[("", _("全部"))] + Organization.Kind.choices)
    region = RegionField(label=_("所在地区"), required=False, levels=None)


class UserAdminChangeForm(UserChangeForm):
    """The admin's user form. The phone is stored encrypted (User.phone), so it is a form field of
    its own. One account per phone (issue 13 §3): the unique index on `phone_hash` would otherwise
    turn a phone used elsewhere into a 500 on save."""

    phone = forms.CharField(label=_("手机号码"), required=False, max_length=32)

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].initial = self.instance.phone

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if not phone:
            return ""
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        digest = fieldcrypt.phone_hash(phone)
        if User.objects.filter(phone_hash=digest).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("该手机号码已登记在平台的另一账号下"), code="phone_taken")
        return phone

    def save(self, commit=True):
        self.instance.phone = self.cleaned_data["phone"]
        return super().save(commit=commit)
