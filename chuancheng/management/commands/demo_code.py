"""`python manage.py demo_code`: the current second-factor code of the demo authenticator
(chuancheng/demo.py DEMO_TOTP_KEY), for trying the demo's administrator accounts without a phone.
It refuses to run in production, like load_demo."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from chuancheng.demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "显示演示账号当前的动态口令（仅演示环境）"

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("demo_code 不能在生产环境运行（CHUANCHENG_ENV=production）")
        code = totp(bytes.fromhex(DEMO_TOTP_KEY))
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}（{left} 秒内有效；同一口令每个账号只能用一次）")
