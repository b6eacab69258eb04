"""`python manage.py restore DIR`: a backup into an empty database and an empty file storage,
after checking the manifest, every part's hash and the encryption key (issue 13 §17)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chuancheng.backup import BackupError, restore


class Command(BaseCommand):
    help = "把 backup 生成的备份恢复到空数据库和空的文件存储"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, directory: Path, database: str, **options):
        try:
            restored = restore(directory, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {restored.manifest['created']} 的备份：{restored.tables} 张表、{restored.rows} 行、"
                f"{restored.files} 个文件，均与清单一致。如当前代码比备份新，请接着运行 manage.py migrate。"
            )
        )
