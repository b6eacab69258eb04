import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization, User
from lib.errors import ApplicationError
from techniques.importing import STAGE_LABELS, technique_import

BAR_WIDTH = 30
REDRAW_EVERY = 500


class Command(BaseCommand):
    help = "导入填好的优势技术申报表（.xlsx）。任何一行有错误时不写入任何数据，并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="填好的申报表 .xlsx")
        parser.add_argument(
            "--entered-by", required=True, metavar="USERNAME", help="录入人的用户名（须为录入单位的工作人员）"
        )
        parser.add_argument("--org", required=True, type=int, metavar="ORG_ID", help="录入单位的编号")
        parser.add_argument("--submit", action="store_true", help="导入后直接提交每一项申报（默认保存为草稿）")

    def handle(self, *args, file: str, entered_by: str, org: int, submit: bool, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}") from exc
        actor = User.objects.filter(username=entered_by, is_active=True).first()
        if actor is None:
            raise CommandError(f"找不到有效的用户「{entered_by}」")
        organization = Organization.objects.filter(pk=org).select_related("region").first()
        if organization is None:
            raise CommandError(f"找不到编号为 {org} 的单位")

        started = time.monotonic()
        try:
            result = technique_import(
                actor=actor,
                entered_org=organization,
                data=data,
                filename=path.name,
                progress=self._bar,
                submit=submit,
            )
        except (ApplicationError, PermissionDenied) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc) or "没有权限导入") from exc
        finally:
            self._end_bar()
        elapsed = time.monotonic() - started

        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{error}")
            raise CommandError(result.summary)
        self.stdout.write(self.style.SUCCESS(result.summary))
        rate = result.rows / elapsed if elapsed else 0
        self.stdout.write(
            f"用时 {elapsed:.1f} 秒（每秒 {rate:,.0f} 行）；录入单位：{organization.name}；录入人：{actor}"
        )
        for duplicate in result.duplicates:
            code = f"（{duplicate.existing_code}）" if duplicate.existing_code else ""
            self.stdout.write(
                f"疑似重复 · 第 {duplicate.row} 行「{duplicate.name}」· {duplicate.reason} · "
                f"已有申报 #{duplicate.existing_id}{code} · 新申报 #{duplicate.technique_id}"
            )

    # A text bar on stderr, redrawn in place every REDRAW_EVERY rows.
    _last = (None, -REDRAW_EVERY)

    def _bar(self, done: int, total: int, stage: str) -> None:
        if stage == self._last[0] and done - self._last[1] < REDRAW_EVERY and done != total:
            return
        if stage != self._last[0] and getattr(self, "_drawn", False):
            self.stderr.write("")  # each stage keeps its finished bar on a line of its own
        self._last = (stage, done)
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        percent = 100 * done // total if total else 100
        line = f"\r{STAGE_LABELS.get(stage, stage)} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done:,}/{total:,} 行"
        self.stderr.write(line, ending="")
        self.stderr.flush()
        self._drawn = True

    def _end_bar(self) -> None:
        if getattr(self, "_drawn", False):
            self.stderr.write("")
            self._drawn = False
