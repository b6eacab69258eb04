"""`python manage.py send_evaluation_reminders` — run hourly from cron or a systemd timer; it
enqueues the django-tasks task (or runs it now with --now)."""

from django.core.management.base import BaseCommand

from evaluations.tasks import reminders_send, send_evaluation_reminders


class Command(BaseCommand):
    help = "提醒评估专家：截止前答复或评分，逾期后再提醒一次并通知办公室"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="在本进程中立即执行，而不是放入后台任务队列")

    def handle(self, *args, now: bool = False, **options):
        if now:
            counts = reminders_send()
            self.stdout.write(f"截止前提醒 {counts['before']} 人，逾期提醒 {counts['after']} 人")
        else:
            result = send_evaluation_reminders.enqueue()
            self.stdout.write(f"已放入后台任务队列：{result.id}")
