"""`manage.py archive_audit --before YYYY-MM-DD DIR [--keep]`: move old audit rows to a file.

Rows are kept at least AUDIT_RETENTION_DAYS (default and floor 180: Cybersecurity Law art. 21 asks
for six months); a date inside that period is refused. The rows at the start of the chain created before
the date are sealed, exported to DIR/audit-<first>-<last>.jsonl with a manifest beside it, read
back and checked hash by hash, recorded as an AuditArchive (signed with the chain key) and only
then deleted — or kept, with --keep. Run it as the tables' owner: the runtime role may not delete
audit rows. Keep the files where the log host keeps its backups; verify_audit goes on proving the
chain from the archive's last hash."""

from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflow.services import audit_archive, audit_seal, audit_verify

MINIMUM_RETENTION_DAYS = 180


class Command(BaseCommand):
    help = "归档保留期以前的审计记录（archive audit rows older than the retention period）"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="归档文件目录 (directory for the archive files)")
        parser.add_argument("--before", required=True, help="归档此日期之前的记录，格式 YYYY-MM-DD")
        parser.add_argument("--keep", action="store_true", help="只导出，不删除 (export only, keep the rows)")

    def handle(self, *args, directory: str, before: str, keep: bool = False, **options):
        try:
            day = datetime.strptime(before, "%Y-%m-%d").date()
        except ValueError:
            raise CommandError(f"--before：日期格式应为 YYYY-MM-DD，收到「{before}」") from None
        cutoff = timezone.make_aware(datetime.combine(day, time.min))
        # Six months is the legal floor: a shorter setting does not shorten it.
        retention = max(int(getattr(settings, "AUDIT_RETENTION_DAYS", 180)), MINIMUM_RETENTION_DAYS)
        earliest_allowed = timezone.now() - timedelta(days=retention)
        if cutoff > earliest_allowed:
            raise CommandError(
                f"--before：审计记录至少保留 {retention} 天，只能归档 {timezone.localdate(earliest_allowed)} 之前的记录"
            )
        audit_seal()
        findings, _summary = audit_verify()
        if any(f.kind != "unsealed" for f in findings):
            for finding in findings:
                self.stdout.write(f"[{finding.kind}] {finding.message}")
            raise CommandError("审计日志链核验未通过，未归档 (the chain does not verify: nothing archived)")
        archive = audit_archive(before=cutoff, directory=Path(directory), delete=not keep)
        if archive is None:
            self.stdout.write(f"{day} 之前没有可归档的记录 (nothing to archive)")
            return
        done = "kept" if keep else "deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"归档 {archive.row_count} 条 (seq {archive.first_seq}–{archive.last_seq}) → {archive.file_name}, "
                f"sha256 {archive.file_sha256}; rows {done}"
            )
        )
