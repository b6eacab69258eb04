"""Periodic work of the jobs app: enqueue `expire_job_outputs` daily (or run the command of the
same name from cron) so that job outputs are deleted after JOB_OUTPUT_DAYS (issue 13 §12)."""

from django_tasks import task

from jobs.services import job_outputs_expire


@task()
def expire_job_outputs() -> int:
    return job_outputs_expire()
