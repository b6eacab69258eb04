"""The audit log as CSV: streamed during the request for a small selection, written by a
background job for a large one (issue 13 §14), every field neutralised against formula injection
(lib.xlsx.safe_cell, issue 13 §5). The job re-reads its owner's scope and act when it runs."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.core.files.base import File
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from accounts.permissions import authorize, scope
from jobs.models import Job
from jobs.services import job_create, job_finish, job_progress
from lib.errors import ApplicationError
from lib.xlsx import safe_cell
from workflow.forms import AuditFilterForm
from workflow.models import AuditEntry
from workflow.services import audit_record

EXPORT_JOB_KIND = "audit_export"
CHUNK = 2000
CSV_COLUMNS = [
    _("时间"),
    _("操作人"),
    _("单位"),
    _("操作"),
    _("对象类型"),
    _("对象编号"),
    _("对象"),
    _("原状态"),
    _("新状态"),
    _("原因"),
    _("IP 地址"),
    _("结果"),
]


def audit_entries(*, actor, params) -> tuple[AuditFilterForm, QuerySet]:
    """The filter form and the entries `actor` may read under it."""
    authorize(actor, "audit.view")
    form = AuditFilterForm(params or {})
    entries = scope(actor, "audit.view", AuditEntry.objects.all())
    return form, form.filter(entries).select_related("organization", "content_type")


def csv_header() -> list[str]:
    """The header in the current language (fixed before a response starts streaming)."""
    return [str(column) for column in CSV_COLUMNS]


def csv_rows(entries: QuerySet) -> Iterator[list]:
    for e in entries.iterator(chunk_size=CHUNK):
        fields = [
            timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            e.organization.name if e.organization else "",
            e.get_action_display(),
            e.content_type.name if e.content_type else "",
            e.object_id,
            e.object_repr,
            e.from_state,
            e.to_state,
            e.reason,
            e.ip or "",
            e.get_outcome_display(),
        ]
        # A name or reason typed as "=HYPERLINK(...)" is shown by Excel, never evaluated.
        yield [safe_cell(field) for field in fields]


def export_filename() -> str:
    return f"audit-{timezone.localtime():%Y%m%d-%H%M}.csv"


def write_csv(rows: Iterable[list], header: list[str], target: IO[bytes], *, progress: Callable[[int], None]) -> int:
    """Writes a UTF-8 CSV with a BOM (so that Excel on Chinese Windows reads it as UTF-8)."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count % CHUNK == 0:
            progress(count)
    text.flush()
    text.detach()
    return count


def schedule_export(*, actor, params: QueryDict, total: int) -> Job:
    """Records the export job of `actor`'s filtered audit log (about `total` rows) and enqueues it."""
    job = job_create(
        owner=actor,
        kind=EXPORT_JOB_KIND,
        title=(_g("导出审计日志（%(count)s 条）") % {"count": f"{total:,}"})[:200],
        total=total,
    )
    export_audit_log.enqueue(job_id=job.pk, query=params.urlencode())
    return job


@task()
def export_audit_log(*, job_id: int, query: str) -> dict:
    job = Job.objects.select_related("owner").get(pk=job_id)
    job_progress(job, done=0, message=_g("正在导出"))

    def report(rows: int) -> None:
        job_progress(job, done=rows, message=_g("正在导出：%(rows)s 条") % {"rows": f"{rows:,}"})

    try:
        _form, entries = audit_entries(actor=job.owner, params=QueryDict(query))
        with tempfile.TemporaryFile() as target:
            rows = write_csv(csv_rows(entries), csv_header(), target, progress=report)
            target.seek(0)
            audit_record(
                action=AuditEntry.Action.EXPORT,
                actor=job.owner,
                to_state=f"{rows} 条",
                reason=f"导出审计日志：{query}",
            )
            Job.objects.filter(pk=job.pk).update(total=rows, done=rows)
            message = _g("已导出 %(rows)s 条，请下载") % {"rows": f"{rows:,}"}
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
        job_finish(job, succeeded=False, message=_g("导出时发生系统错误；请联系系统管理员"))
        raise
    return {"ok": True, "rows": rows}
