"""Password rules (issue 2 §7) with messages in Chinese that name the rule.

Django's own validators do the checking; only the wording is ours, because Django's zh-hans
catalogue lacks some of these messages and users must be told exactly which rule failed."""

from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError


class MinimumLengthValidator(pv.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短：至少包含 {self.min_length} 个字符（当前 {len(password)} 个）。", code="password_too_short"
            )

    def get_help_text(self):
        return f"至少包含 {self.min_length} 个字符。"


class CommonPasswordValidator(pv.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError("密码过于常见，容易被猜到，请换一个。", code="password_too_common") from None

    def get_help_text(self):
        return "不能是常见密码。"


class NumericPasswordValidator(pv.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError("密码不能全部为数字。", code="password_entirely_numeric")

    def get_help_text(self):
        return "不能全部为数字。"


class UserAttributeSimilarityValidator(pv.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "full_name", "email")

    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "密码与您的用户名、姓名或电子邮箱过于相似。", code="password_too_similar"
            ) from None

    def get_help_text(self):
        return "不能与用户名、姓名或电子邮箱过于相似。"
