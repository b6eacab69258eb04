"""A large audit-log export runs as a background job (issue 13 §14): the request records the job
and sends the person to its progress bar; the CSV, with every row of the reader's scope and none
beyond it, is the job's file, which only they can download."""

import csv
import io

import pytest
from django.http import QueryDict

from jobs.models import Job
from workflow.exports import EXPORT_JOB_KIND, export_audit_log, schedule_export
from workflow.models import AuditEntry
from workflow.services import audit_record


@pytest.fixture(autouse=True)
def low_threshold(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_INLINE_MAX_ROWS = 3


@pytest.fixture
def entries(world):
    for n in range(5):
        audit_record(
            action="view_personal", actor=world.admin, obj=world.city_tcm, organization=world.city_tcm, reason=f"市{n}"
        )
    audit_record(
        action="view_personal", actor=world.admin, obj=world.yongji_tcm, organization=world.yongji_tcm, reason="永济"
    )
    audit_record(
        action="view_personal", actor=world.admin, obj=world.city_tcm, organization=world.city_tcm, reason="@SUM(A1)"
    )


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_large_selection_becomes_a_job_with_every_row_of_the_scope(world, client_for, entries):
    client = client_for("sun")
    response = client.get("/audit/export.csv", {"action": "view_personal"})
    job = Job.objects.get(kind=EXPORT_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.owner == world.sun and job.status == Job.Status.SUCCEEDED and job.result == {"rows": 6}
    assert "已导出 6 条" in client.get(response["Location"]).content.decode()
    download = client.get(f"/jobs/{job.pk}/output/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = _csv(b"".join(download.streaming_content))
    assert rows[0][:4] == ["时间", "操作人", "单位", "操作"]
    reasons = sorted(r[9] for r in rows[1:])
    assert reasons == ["'@SUM(A1)", "市0", "市1", "市2", "市3", "市4"]  # 永济市's stays out; the formula is text
    audit = AuditEntry.objects.filter(action="export", actor=world.sun).get()
    assert audit.to_state == "6 条" and "action=view_personal" in audit.reason
    assert client_for("yang").get(f"/jobs/{job.pk}/output/").status_code == 404


def test_a_small_selection_is_still_streamed(world, client_for, entries, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 100
    response = client_for("sun").get("/audit/export.csv", {"action": "view_personal"})
    assert response.status_code == 200 and len(_csv(b"".join(response.streaming_content))) == 7
    assert not Job.objects.filter(kind=EXPORT_JOB_KIND).exists()


def test_someone_without_the_audit_act_gets_no_job(world, client_for, entries):
    assert client_for("zhang").get("/audit/export.csv").status_code == 403
    assert not Job.objects.exists()


def test_the_job_reads_its_owners_scope_when_it_runs(world, entries):
    job = schedule_export(actor=world.zhou, params=QueryDict("action=view_personal"), total=6)
    job.refresh_from_db()
    with job.output_file.open("rb") as f:
        assert [r[9] for r in _csv(f.read())[1:]] == ["永济"]
    refused = Job.objects.create(owner=world.zhang, kind=EXPORT_JOB_KIND, title="导出")
    export_audit_log.enqueue(job_id=refused.pk, query="")
    refused.refresh_from_db()
    assert refused.status == Job.Status.FAILED and not refused.output_file
