"""Progress reporting for background jobs. Progress writes bypass the model's save() and touch
only the counters, so a job can report every few hundred rows cheaply.

A job's output (an error workbook repeats the rows a person uploaded, with their names) is kept
JOB_OUTPUT_DAYS days (issue 13 §12) and then deleted by `python manage.py expire_job_outputs`."""

import datetime
import logging
import posixpath

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from jobs.models import Job
from lib import files

logger = logging.getLogger(__name__)

# The file types the platform writes as job outputs, by the extension of the name it gives them.
OUTPUT_TYPES = {extension: mime for mime, extension in files.EXTENSIONS.items()}


def output_type_of(name: str) -> str:
    """The type of a file the platform wrote, by the extension it gave it."""
    extension = posixpath.splitext(name)[1].lstrip(".").lower()
    return OUTPUT_TYPES.get(extension, "application/octet-stream")


def job_output_days() -> int:
    return int(getattr(settings, "JOB_OUTPUT_DAYS", 7))


def job_create(*, owner, kind: str, title: str, total: int = 0, input_file=None) -> Job:
    return Job.objects.create(owner=owner, kind=kind, title=title, total=total, input_file=input_file or "")


def job_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    fields = {"done": done, "status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)


def job_finish(job: Job, *, succeeded: bool, message: str, result: dict | None = None, output_file=None) -> Job:
    """`output_file` is a file the platform wrote, named as the person should save it
    ("病案导入错误清单.xlsx"): that name and its type are kept; the file is stored under a name of
    the server's (lib.files.ServerName)."""
    job.status = Job.Status.SUCCEEDED if succeeded else Job.Status.FAILED
    job.message = message
    job.result = result or {}
    job.finished_at = timezone.now()
    fields = ["status", "message", "result", "finished_at"]
    if output_file is not None:
        name = posixpath.basename(getattr(output_file, "name", "") or "")
        job.output_name = name[-200:]
        job.output_type = output_type_of(name)
        job.output_file = output_file
        fields += ["output_file", "output_name", "output_type"]
    job.save(update_fields=fields)
    return job


def job_outputs_expire(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Deletes the files of jobs finished more than `days` days ago (JOB_OUTPUT_DAYS) — their output
    and any upload a failed run left behind — through the storage API, and blanks the fields; the
    job's page then says its file has expired. Returns how many jobs lost a file. Safe to run at
    any time and as often as wished (a cron line or a periodic task)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=job_output_days() if days is None else days)
    old = Job.objects.filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)).exclude(
        output_file="", input_file=""
    )
    count = 0
    for job in old.iterator():
        # The storage first, then the row: a file that cannot be deleted now is tried again next
        # time, never left on disk with no row pointing at it.
        for field in (job.output_file, job.input_file):
            if field:
                field.storage.delete(field.name)
        updated = {"input_file": ""}
        if job.output_file:
            updated.update(output_file="", output_expired_at=now)
        Job.objects.filter(pk=job.pk).update(**updated)
        count += 1
    if count:
        logger.info("expired the files of %s jobs older than %s", count, cutoff)
    return count
