"""Background jobs that a person waits for (imports, exports): their progress, outcome and
files. The work itself runs as a django-tasks task; this row is what the progress bar polls,
so any app process can answer "how far is it?"."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.files import ServerName


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=40)
    title = models.CharField(_("任务"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="jobs")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(_("说明"), blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to=ServerName("jobs/input"), blank=True)
    output_file = models.FileField(upload_to=ServerName("jobs/output"), blank=True)
    # The platform wrote the output: its type and the name a person's browser saves it as are the
    # platform's, kept beside the file, whose own name is the server's.
    output_type = models.CharField(max_length=100, blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    # Outputs repeat what was uploaded (error workbooks) and are deleted after JOB_OUTPUT_DAYS.
    output_expired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def tone(self) -> str:
        """The Bootstrap colour a page shows the job's state in."""
        return {self.Status.SUCCEEDED: "success", self.Status.FAILED: "danger"}.get(self.status, "secondary")

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
