import os

from django.core.management.base import BaseCommand, CommandError

from chuancheng.demo import DEMO_PAGES, DEMO_PASSWORD, demo_accounts, demo_key_base32, load_demo


class Command(BaseCommand):
    help = "载入演示数据（可重复运行；生产环境拒绝运行）"

    def add_arguments(self, parser):
        parser.add_argument("--techniques", type=int, default=320, help="演示技术申报的数量")

    def handle(self, *args, **options):
        try:
            load_demo(techniques=options["techniques"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for username, role in demo_accounts():
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(
            "单位管理员和后台管理员（admin、guide、host、sysadmin、secadmin、auditor）登录时需第二步动态口令："
            "运行 .venv/bin/python manage.py demo_code 查看当前口令，或在手机验证器中添加演示密钥 "
            f"{demo_key_base32()}（基于时间，6 位，30 秒）。"
        )
        self.stdout.write("可先打开：")
        # `make run HOST=0.0.0.0` listens everywhere; this machine reaches it at 127.0.0.1.
        host = os.environ.get("HOST") or "127.0.0.1"
        host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        for path, what in DEMO_PAGES.items():
            self.stdout.write(f"  http://{host}:{os.environ.get('PORT', '8000')}{path}  {what}")
