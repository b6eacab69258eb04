"""Background work of the techniques app: the spreadsheet import behind the upload page, the
full-text indexing of what it wrote, and the list export of a large selection (issue 13 §14: a
request never spends minutes writing a workbook; the person follows the job's progress bar and
downloads the file from the job, which only they can).

The import job finishes as soon as its rows are committed (a 10,000-row file in about 20 s); the
rows are then indexed for search by a job of their own (about 30 s more), which the import page
follows until search is up to date."""

from __future__ import annotations

import tempfile

from django.core.files.base import ContentFile, File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Organization
from jobs.models import Job
from jobs.services import job_create, job_finish, job_progress
from lib.errors import ApplicationError
from techniques.importing import STAGE_LABELS, errors_workbook, technique_import
from techniques.spreadsheets import export_filename, technique_export

IMPORT_JOB_KIND = "technique_import"
INDEX_JOB_KIND = "technique_index"
EXPORT_JOB_KIND = "technique_export"
PROGRESS_EVERY = 200
INDEX_BATCH = 500
ERRORS_FILENAME = "导入错误清单.xlsx"
# Share of the bar each stage fills, after timings of a 10,000-row file: checking 4 s, writing
# 15 s; submitting each declaration through the workflow (flagging similar ones) is slower than
# both together. The full-text index has a job and a bar of its own.
STAGE_SHARE = {
    False: {"check": (0, 20), "write": (20, 100)},
    True: {"check": (0, 5), "write": (5, 20), "submit": (20, 100)},
}


class _Reporter:
    """Writes the job's progress every PROGRESS_EVERY rows as a percentage, with the stage and row
    count in the message.

    The write and submit stages run inside the import's transaction, where an update of the job
    row would stay invisible to the polling page until the end. On PostgreSQL those updates go
    through a second connection of their own; SQLite allows one writer at a time, so there the bar
    waits at the start of the stage until the transaction commits.
    """

    def __init__(self, job: Job, *, submit: bool):
        self.job = job
        self.shares = STAGE_SHARE[submit]
        self.last: tuple[str, int] = ("", -PROGRESS_EVERY)
        self.side = None

    def __call__(self, done: int, total: int, stage: str) -> None:
        if stage == self.last[0] and done - self.last[1] < PROGRESS_EVERY and done != total:
            return
        self.last = (stage, done)
        start, end = self.shares.get(stage, (0, 100))
        percent = start + (end - start) * done // max(total, 1)
        message = f"正在{STAGE_LABELS.get(stage, stage)}：{done:,} / {total:,} 行"
        if not connection.in_atomic_block:
            job_progress(self.job, done=percent, total=100, message=message)
        elif connection.vendor == "postgresql":
            self._write_aside(percent, message)

    def _write_aside(self, percent: int, message: str) -> None:
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        quote = self.side.ops.quote_name
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Job._meta.db_table)} SET {quote('done')} = %s, {quote('total')} = %s, "
                f"{quote('message')} = %s, {quote('status')} = %s WHERE {quote('id')} = %s",
                [percent, 100, message, Job.Status.RUNNING, self.job.pk],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


@task()
def import_techniques(*, job_id: int, entered_org_id: int, submit: bool = False) -> dict:
    """Runs technique_import() on the job's uploaded file and finishes the job with the outcome:
    the summary as its message, counts, errors and possible duplicates in `result`, and the
    error sheet as its output file."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    job_progress(job, done=0, total=100, message="正在读取文件")
    reporter = _Reporter(job, submit=submit)
    try:
        organization = Organization.objects.select_related("region").get(pk=entered_org_id)
        with job.input_file.open("rb") as upload:
            data = upload.read()
        result = technique_import(
            actor=job.owner,
            entered_org=organization,
            data=data,
            filename=job.input_file.name,
            progress=reporter,
            submit=submit,
            index=lambda ids: schedule_index(ids, owner=job.owner, title=job.title),
        )
    except ApplicationError as exc:
        job_finish(job, succeeded=False, message=exc.message, result={"ok": False, "summary": exc.message})
        return {"ok": False}
    except Exception:
        job_finish(job, succeeded=False, message="导入时发生系统错误，未写入任何数据；请联系系统管理员")
        raise
    finally:
        reporter.close()
        # The upload holds holders' ID numbers and phones: once read, it is not kept.
        if job.input_file:
            job.input_file.delete(save=False)
            Job.objects.filter(pk=job.pk).update(input_file="")
    output = None if result.ok else ContentFile(errors_workbook(result.errors), name=ERRORS_FILENAME)
    job_finish(job, succeeded=result.ok, message=result.summary, result=result.to_dict(), output_file=output)
    return {"ok": result.ok, "created": len(result.created), "errors": len(result.errors)}


def schedule_index(ids: list[int], *, owner, title: str = "") -> int:
    """Records a job that indexes `ids` for full-text search and enqueues it once the current
    transaction commits. Called inside the import's transaction: if the import rolls back, the
    job row goes with it and nothing is enqueued."""
    job = job_create(
        owner=owner,
        kind=INDEX_JOB_KIND,
        title=f"更新检索索引：{title.removeprefix('导入优势技术：')}"[:200] if title else "更新检索索引",
        total=len(ids),
    )
    job.message = f"等待更新检索索引：{len(ids):,} 项"
    job.result = {"ids": ids}
    job.save(update_fields=["message", "result"])
    transaction.on_commit(lambda: index_techniques.enqueue(job_id=job.pk))
    return job.pk


@task()
def index_techniques(*, job_id: int) -> dict:
    """Indexes the techniques listed in the job for full-text search, reporting after each batch.
    The ids live in the job row, not in the task's arguments: 20,000 of them are the job's
    business, and the page reads its progress from there."""
    from techniques.search import reindex

    job = Job.objects.get(pk=job_id)
    ids = list(job.result.get("ids", []))
    total = len(ids)
    job_progress(job, done=0, total=total, message=f"正在更新检索索引：0 / {total:,} 项")
    try:
        for start in range(0, total, INDEX_BATCH):
            reindex(ids[start : start + INDEX_BATCH])
            done = min(start + INDEX_BATCH, total)
            job_progress(job, done=done, total=total, message=f"正在更新检索索引：{done:,} / {total:,} 项")
    except Exception:
        job_finish(
            job,
            succeeded=False,
            message="检索索引更新失败：数据已导入，可按条件筛选找到，暂时无法按关键词搜索；"
            "请联系系统管理员运行 manage.py reindex_techniques --missing",
            result={"ids": ids},
        )
        raise
    job_finish(job, succeeded=True, message=f"检索已是最新：导入的 {total:,} 项现在可以搜索到", result={"count": total})
    return {"indexed": total}


def schedule_export(*, actor, params: QueryDict, total: int) -> Job:
    """Records the export job of `actor`'s selection `params` (about `total` rows) and enqueues it."""
    job = job_create(
        owner=actor,
        kind=EXPORT_JOB_KIND,
        title=(_("导出优势技术清单（%(count)s 项）") % {"count": f"{total:,}"})[:200],
        total=total,
    )
    export_techniques.enqueue(job_id=job.pk, query=params.urlencode())
    return job


@task()
def export_techniques(*, job_id: int, query: str) -> dict:
    """Writes the owner's selection to a workbook kept as the job's file. The scope is the owner's
    when the rows are read, from the filters alone: nothing the request saw is trusted."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    job_progress(job, done=0, message=_("正在导出"))

    def report(rows: int) -> None:
        job_progress(job, done=rows, message=_("正在导出：%(rows)s 项") % {"rows": f"{rows:,}"})

    try:
        # On disk rather than in memory: 100,000 rows make a workbook of tens of megabytes.
        with tempfile.TemporaryFile() as target:
            rows = technique_export(actor=job.owner, params=QueryDict(query), target=target, progress=report)
            target.seek(0)
            message = _("已导出 %(rows)s 项，请下载") % {"rows": f"{rows:,}"}
            Job.objects.filter(pk=job.pk).update(total=rows, done=rows)
            job_finish(
                job,
                succeeded=True,
                message=message,
                result={"rows": rows},
                output_file=File(target, name=export_filename()),
            )
    except ApplicationError as exc:
        job_finish(job, succeeded=False, message=exc.message, result={"ok": False})
        return {"ok": False}
    except Exception:
        job_finish(job, succeeded=False, message=_("导出时发生系统错误；请联系系统管理员"))
        raise
    return {"ok": True, "rows": rows}
