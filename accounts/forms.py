from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserChangeForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organization, User
from accounts.widgets import RegionField
from lib import fieldcrypt
from lib.identifiers import validate_mobile, validate_resident_id


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


class RegistrationForm(forms.Form):
    """Self-registration (issue 12 §1). The form checks the shape of each answer; the rules that
    need the database (a taken ID number or phone, the code, the password rules) are the service's."""

    role = forms.ChoiceField(
        label=_("注册身份"),
        choices=[
            (Membership.Role.APPLICANT, _("师承申请人（申请跟师学习）")),
            (Membership.Role.HOLDER, _("技术持有人（申报民间中医药优势技术）")),
        ],
        widget=forms.RadioSelect,
    )
    full_name = forms.CharField(label=_("真实姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号码"), max_length=24, help_text=_("仅用于核实身份，加密保存"))
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6)
    username = forms.RegexField(
        label=_("用户名"),
        max_length=30,
        min_length=3,
        regex=r"^[A-Za-z][A-Za-z0-9_.-]*$",
        error_messages={"invalid": _("只能使用字母、数字和 _ . -，并以字母开头")},
        help_text=_("登录时使用，3–30 位，以字母开头"),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    email = forms.EmailField(label=_("电子邮箱（选填，用于找回密码）"), required=False)
    region = RegionField(label=_("所在地区"))
    organization = forms.ModelChoiceField(
        label=_("所在单位（选填）"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— 暂无单位 —"),
        help_text=_("选择单位后，须由该单位管理员确认您是本单位人员"),
    )
    consent_general = forms.BooleanField(
        label=_("我已阅读并同意《个人信息处理规则》，同意平台为注册、申请和审核处理我的个人信息"), required=False
    )
    consent_sensitive = forms.BooleanField(
        label=_("我单独同意平台处理我的身份证号码（敏感个人信息），用于核实身份和颁发证书"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The units a self-registered person can belong to: medical institutions and workstations.
        self.fields["organization"].queryset = Organization.objects.filter(
            status=Organization.Status.ACTIVE, kind__in=[Organization.Kind.MEDICAL, Organization.Kind.WORKSTATION]
        ).order_by("name")
        self.fields["password"].help_text = password_validators_help_text_html()
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def clean_id_number(self):
        try:
            return validate_resident_id(self.cleaned_data["id_number"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean_phone(self):
        try:
            return validate_mobile(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("验证码为 6 位数字"))
        return code

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class PhoneCodeForm(forms.Form):
    phone = forms.CharField(label=_("手机号码"), max_length=20)
