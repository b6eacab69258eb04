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


class WhitespaceOnlyValidator:
    """A password of spaces alone is refused by name (issue 13 §10): it reads as empty."""

    def validate(self, password, user=None):
        if password and not password.strip():
            raise ValidationError(_("密码不能只由空格组成。"), code="password_whitespace_only")

    def get_help_text(self):
        return _("不能只由空格组成。")


def character_classes(password: str) -> set[str]:
    """The kinds of character a password mixes: ASCII lower and upper case letters, digits, other
    letters (汉字 and the like), and everything else (symbols, punctuation, spaces)."""
    classes = set()
    for ch in password:
        if "a" <= ch <= "z":
            classes.add("lower")
        elif "A" <= ch <= "Z":
            classes.add("upper")
        elif ch.isdigit():
            classes.add("digit")
        elif ch.isalpha():
            classes.add("letter")
        else:
            classes.add("symbol")
    return classes


class CharacterClassesValidator:
    """At least two kinds of character (issue 13 §10; 等保 2.0 asks for complexity)."""

    def __init__(self, min_classes: int = 2):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        # All digits and all spaces have their own messages (above); one is enough.
        if password.isdigit() or not password.strip():
            return
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _("密码只包含一类字符：请至少混合使用小写字母、大写字母、数字、汉字、符号中的 %(min)d 类。")
                % {"min": self.min_classes},
                code="password_single_class",
            )

    def get_help_text(self):
        return _("至少混合使用小写字母、大写字母、数字、汉字、符号中的 %(min)d 类。") % {"min": self.min_classes}


class PasswordHistoryValidator:
    """None of the account's last `count` passwords, the current one included, may be set again
    (issue 13 §10). The hashes are kept by User.save() in accounts.PasswordHistory."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        from django.contrib.auth.hashers import check_password

        from accounts.models import PasswordHistory

        if user is None or user.pk is None:
            return
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.count]
        )
        # A password set before the history began is still the current one.
        if user.password and user.password not in hashes:
            hashes = [user.password, *hashes][: self.count]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext(
                    "不能使用最近 %(count)d 次用过的密码，请换一个新密码。",
                    "不能使用最近 %(count)d 次用过的密码，请换一个新密码。",
                    self.count,
                )
                % {"count": self.count},
                code="password_reused",
            )

    def get_help_text(self):
        return ngettext(
            "不能与最近 %(count)d 次用过的密码相同。", "不能与最近 %(count)d 次用过的密码相同。", self.count
        ) % {"count": self.count}
