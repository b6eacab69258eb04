"""`python manage.py expire_job_outputs` — run daily from cron or a systemd timer: deletes the
output files (error workbooks, exports) of jobs finished more than JOB_OUTPUT_DAYS days ago
(default 7; issue 13 §12), and any upload a failed job left behind."""

from django.core.management.base import BaseCommand, CommandError

from jobs.services import job_output_days, job_outputs_expire


class Command(BaseCommand):
    help = "删除超过保留期限（JOB_OUTPUT_DAYS，默认 7 天）的后台任务结果文件和错误清单"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="保留天数（默认取 JOB_OUTPUT_DAYS）")

    def handle(self, *args, days: int | None = None, **options):
        days = job_output_days() if days is None else days
        if days < 0:
            raise CommandError("--days：保留天数不能为负数")
        count = job_outputs_expire(days=days)
        self.stdout.write(f"已删除 {count} 个任务的结果文件（保留 {days} 天）")
