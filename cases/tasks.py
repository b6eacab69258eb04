"""Background work of the cases app: the spreadsheet import behind the upload page."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User
from cases.importing import cases_import
from jobs.models import Job
from jobs.services import job_finish, job_progress
from lib.errors import ApplicationError

IMPORT_JOB_KIND = "cases_import"
SHOWN_ERRORS = 50
STAGE_SHARE = {"check": (0, 50), "write": (50, 100)}


@task()
def import_cases(*, job_id: int, owner_id: int, kind: str) -> dict:
    """Runs cases_import() on the job's uploaded file, then deletes the file: the raw sheet holds
    patient names and must not outlive the import (issue 6 §2)."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    job_progress(job, done=0, total=100, message=_("正在读取文件"))

    def report(done: int, total: int, stage: str) -> None:
        start, end = STAGE_SHARE.get(stage, (0, 100))
        job_progress(
            job, done=start + (end - start) * done // max(total, 1), total=100, message=f"{done:,} / {total:,} 行"
        )

    try:
        with job.input_file.open("rb") as upload:
            data = upload.read()
        owner = User.objects.get(pk=owner_id)
        result = cases_import(actor=job.owner, owner=owner, data=data, kind=kind, progress=report)
    except ApplicationError as exc:
        job_finish(job, succeeded=False, message=exc.message, result={"ok": False, "summary": exc.message})
        return {"ok": False}
    except Exception:
        job_finish(job, succeeded=False, message=_("导入时发生系统错误，未写入任何数据；请联系系统管理员"))
        raise
    finally:
        _discard_upload(job)
    message = result.summary
    output = None
    if not result.ok:
        # The progress page shows the message: the first problems by row, column and rule; the
        # error workbook (every bad cell marked, de-identified) is the job's file to download.
        message += "\n" + "\n".join(str(issue) for issue in result.errors[:SHOWN_ERRORS])
        output = ContentFile(result.error_workbook(), name="病案导入错误清单.xlsx")
    job_finish(job, succeeded=result.ok, message=message, result=result.to_dict(), output_file=output)
    return {"ok": result.ok, "visits": result.visits_created}


def _discard_upload(job: Job) -> None:
    if job.input_file:
        job.input_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(input_file="")
