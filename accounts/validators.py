"""Password rules (issue 2 §7) with messages in Chinese that name the rule.

Django's own validators do the checking; only the wording is ours, because Django's zh-hans
catalogue lacks some of these messages and users must be told exactly which rule failed."""

from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(pv.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "密码太短：至少包含 %(min_length)d 个字符（当前 %(length)d 个）。",
                    "密码太短：至少包含 %(min_length)d 个字符（当前 %(length)d 个）。",
                    self.min_length,
                )
                % {"min_length": self.min_length, "length": len(password)},
                code="password_too_short",
            )

    def get_help_text(self):
        n = self.min_length
        return ngettext("至少包含 %(min_length)d 个字符。", "至少包含 %(min_length)d 个字符。", n) % {"min_length": n}


class CommonPasswordValidator(pv.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(_("密码过于常见，容易被猜到，请换一个。"), code="password_too_common") from None

    def get_help_text(self):
        return _("不能是常见密码。")


class NumericPasswordValidator(pv.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError(_("密码不能全部为数字。"), code="password_entirely_numeric")

    def get_help_text(self):
        return _("不能全部为数字。")


class UserAttributeSimilarityValidator(pv.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "full_name", "email")

    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                _("密码与您的用户名、姓名或电子邮箱过于相似。"), code="password_too_similar"
            ) from None

    def get_help_text(self):
        return _("不能与用户名、姓名或电子邮箱过于相似。")
