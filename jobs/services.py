"""Progress reporting for background jobs. Progress writes bypass the model's save() and touch
only the counters, so a job can report every few hundred rows cheaply."""

from django.utils import timezone

from jobs.models import Job


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
    job.status = Job.Status.SUCCEEDED if succeeded else Job.Status.FAILED
    job.message = message
    job.result = result or {}
    job.finished_at = timezone.now()
    fields = ["status", "message", "result", "finished_at"]
    if output_file is not None:
        job.output_file = output_file
        fields.append("output_file")
    job.save(update_fields=fields)
    return job
