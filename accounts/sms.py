"""Text messages: verification codes go through the class named by settings.SMS_BACKEND, as
e-mail goes through EMAIL_BACKEND (issue 12 §1).

- `BaseSmsBackend` is what an SMS-gateway adapter implements (阿里云短信, 腾讯云短信, a provincial
  government gateway …): one method, `send_code`. Production names its adapter in SMS_BACKEND.
- `ConsoleSmsBackend` (the default, for development and the demo) sends nothing: it writes the
  message to the log (the console of `make run`) and keeps the last messages in `outbox`, where
  tests read them, as Django's locmem e-mail backend keeps `mail.outbox`.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("chuancheng.sms")


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    code: str
    purpose: str
    text: str
    sent_at: datetime = field(default_factory=timezone.now)


# The console backend's last messages, newest last (bounded: a long-running demo must not grow).
outbox: deque[SmsMessage] = deque(maxlen=100)


class SmsSendError(Exception):
    """The gateway refused or could not be reached; the person is asked to try again later."""


class BaseSmsBackend:
    """What an SMS-gateway adapter implements.

    `send_code` delivers one verification code to one mainland mobile number (11 digits, as
    lib.identifiers.validate_mobile returns it). It is called after the code's row is committed,
    once per code, and must:

    - send the text through the gateway's approved template (签名 and 模板 registered with the
      carrier; the code and its lifetime in minutes are the template's parameters);
    - raise SmsSendError when the gateway refuses or cannot be reached, so the person is told;
    - never log the code or the full number (the gateway's own request id is what to log).

    An adapter reads its credentials from the environment in its own __init__.
    """

    def send_code(self, *, phone: str, code: str, purpose: str, lifetime_minutes: int) -> None:
        raise NotImplementedError


def message_text(*, code: str, lifetime_minutes: int) -> str:
    return f"【传承平台】您的验证码是 {code}，{lifetime_minutes} 分钟内有效。请勿告诉他人。"


class ConsoleSmsBackend(BaseSmsBackend):
    """Development and demo: the message goes to the log and to `outbox`, never to a phone."""

    def send_code(self, *, phone: str, code: str, purpose: str, lifetime_minutes: int) -> None:
        text = message_text(code=code, lifetime_minutes=lifetime_minutes)
        outbox.append(SmsMessage(phone=phone, code=code, purpose=purpose, text=text))
        # The console backend is for development only: here the code must be readable.
        logger.warning("短信（开发环境，未实际发送）→ %s：%s", phone, text)


CONSOLE_BACKEND = "accounts.sms.ConsoleSmsBackend"


def registration_open() -> bool:
    """Self-registration needs a way to send codes: closed while no backend is configured."""
    return bool(settings.SMS_BACKEND)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def last_code(phone: str) -> str | None:
    """The last code the console backend sent to `phone` (tests and the demo)."""
    for message in reversed(outbox):
        if message.phone == phone:
            return message.code
    return None
