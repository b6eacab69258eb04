"""`python manage.py backup DIR`: the database, every stored file and a signed manifest (issue 13
§17). The schedule, the restore drill and where the keys live: docs/operations.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chuancheng.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库和全部上传文件到 DIR（新目录或空目录），附带签名的清单"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, directory: Path, database: str, **options):
        try:
            manifest = backup(directory, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"备份已写入 {directory}：{manifest['engine']} 数据库（{len(manifest['tables'])} 张表，"
                f"{rows} 行），{len(manifest['media'])} 个文件。"
            )
        )
