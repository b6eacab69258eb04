"""`python manage.py import_cases FILE.xlsx --master <user id>` (issue 6 §2): import a master's or
apprentice's cases from a case-mining spreadsheet; all rows or none, errors by row and column."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from cases.importing import cases_import
from cases.models import CaseRecord
from lib.errors import ApplicationError


class Command(BaseCommand):
    help = "从病案表格（.xlsx，每行一诊次）导入传承人或师承人的病案；患者姓名以假名替换"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 病案表格")
        parser.add_argument("--master", type=int, required=True, help="病案所属医师（传承人或师承人）的用户 id")
        parser.add_argument("--kind", choices=CaseRecord.Kind.values, default=CaseRecord.Kind.RETROSPECTIVE)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            owner = User.objects.get(pk=options["master"])
        except User.DoesNotExist:
            raise CommandError(f"没有 id 为 {options['master']} 的用户") from None
        try:
            result = cases_import(actor=None, owner=owner, data=path.read_bytes(), kind=options["kind"])
        except ApplicationError as error:
            raise CommandError(error.message) from None
        if not result.ok:
            for issue in result.errors:
                self.stderr.write(str(issue))
            raise CommandError(result.summary)
        self.stdout.write(self.style.SUCCESS(result.summary))
