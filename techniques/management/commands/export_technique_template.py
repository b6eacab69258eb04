from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from techniques.spreadsheets import build_template


class Command(BaseCommand):
    help = "写出优势技术批量申报模板（.xlsx）：数据表、填写说明、下拉选项"

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出文件，例如 技术申报模板.xlsx")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件的扩展名应为 .xlsx")
        try:
            path.write_bytes(build_template())
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc.strerror}") from exc
        self.stdout.write(self.style.SUCCESS(f"已写出模板：{path}"))
