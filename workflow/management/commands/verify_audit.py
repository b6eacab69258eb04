"""`manage.py verify_audit [--seal] [--grace-minutes N]`: prove the audit chain (issue 13 §7).

Recomputes every sealed row's chain hash under the chain key and reports rows altered, rows
deleted (gaps in seq, rows cut off the end), rows that claim a place the chain never gave them,
and rows left unsealed longer than the grace period. Exit status 0 when the chain holds, 1 on any
finding. Run it with --seal from cron or a systemd timer: it first seals what an interrupted
process left unsealed. It prints the last seq and hash: keep that line somewhere the database's
owner cannot write (a log host, a ticket), so that cutting rows off the end together with the head
would still be seen."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from workflow.services import AUDIT_SEAL_GRACE, audit_seal, audit_verify


class Command(BaseCommand):
    help = "核验审计日志哈希链（verify the audit log hash chain）"

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="先封存尚未封存的记录 (seal pending rows first)")
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(AUDIT_SEAL_GRACE.total_seconds() // 60),
            help="未封存记录超过多少分钟算异常 (unsealed rows older than this are a finding)",
        )

    def handle(self, *args, seal: bool = False, grace_minutes: int = 5, **options):
        if seal:
            sealed = audit_seal()
            self.stdout.write(f"sealed {sealed} pending row(s) / 封存 {sealed} 条")
        findings, summary = audit_verify(grace=timedelta(minutes=grace_minutes))
        self.stdout.write(
            f"checked {summary['checked']} sealed row(s); archived to seq {summary['archived_to']}; "
            f"last seq {summary['last_seq']} hash {summary['last_hash']}; unsealed {summary['unsealed']}"
        )
        for finding in findings:
            self.stdout.write(f"[{finding.kind}] {finding.message}")
        if findings:
            raise CommandError(
                f"审计日志链核验未通过：{len(findings)} 项异常 (audit chain broken: {len(findings)} finding(s))"
            )
        self.stdout.write(self.style.SUCCESS("审计日志链完整 (audit chain intact)"))
