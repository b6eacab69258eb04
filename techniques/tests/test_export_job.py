"""A large technique export runs as a background job (issue 13 §14): the request only records the
job and sends the person to its progress bar; the workbook, with every row of their scope and none
beyond it, is the job's file, which only they can download."""

import io

import openpyxl
import pytest
from django.http import QueryDict

from accounts.models import Region
from chuancheng.test import declaration_for
from jobs.models import Job
from techniques.tasks import EXPORT_JOB_KIND, export_techniques, schedule_export
from workflow.models import AuditEntry


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_INLINE_MAX_ROWS = 3


@pytest.fixture
def selection(world):
    village = Region.objects.get(code="140802001001")
    own = [
        declaration_for(world.sun, village, name=f"盐湖推拿{n}", channel="offline", entered_org=world.yanhu_health)
        for n in range(5)
    ]
    declaration_for(
        world.zhou,
        Region.objects.get(code="140881"),
        name="永济的技术",
        channel="offline",
        entered_org=world.yongji_health,
    )
    return own


def _rows(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.values)


def test_a_selection_above_the_threshold_becomes_a_job_with_every_row_of_the_scope(world, client_for, selection):
    client = client_for("sun")
    response = client.get("/techniques/export.xlsx", {"sort": "name"})
    job = Job.objects.get(kind=EXPORT_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.owner == world.sun and job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total, job.result) == (5, 5, {"rows": 5})
    page = client.get(response["Location"]).content.decode()
    assert f"/jobs/{job.pk}/output/" in page and "已导出 5 项" in page
    download = client.get(f"/jobs/{job.pk}/output/")
    assert download.status_code == 200
    rows = _rows(b"".join(download.streaming_content))
    assert [r[1] for r in rows[1:]] == [f"盐湖推拿{n}" for n in range(5)]  # 永济市's stays out
    audit = AuditEntry.objects.filter(action="export", actor=world.sun).latest("created_at")
    assert "5 项" in audit.reason and "sort=name" in audit.reason


def test_the_filters_travel_with_the_job(world, client_for, selection):
    client = client_for("sun")
    client.get("/techniques/export.xlsx", {"q": "", "region": "140802"})
    job = Job.objects.get(kind=EXPORT_JOB_KIND)
    with job.output_file.open("rb") as f:
        assert len(_rows(f.read())) == 1 + 5  # the header and 盐湖区's five
    # The city sees both counties: the same filter for 140881 gives 永济市's one row, inline.
    response = client_for("yang").get("/techniques/export.xlsx", {"region": "140881"})
    assert response.status_code == 200 and Job.objects.filter(owner=world.yang).count() == 0
    assert [r[1] for r in _rows(b"".join(response.streaming_content))[1:]] == ["永济的技术"]


def test_only_the_owner_downloads_the_job_file(world, client_for, selection):
    client_for("sun").get("/techniques/export.xlsx")
    job = Job.objects.get(kind=EXPORT_JOB_KIND)
    assert client_for("yang").get(f"/jobs/{job.pk}/output/").status_code == 404
    assert client_for("zhou").get(f"/jobs/{job.pk}/").status_code == 404


def test_a_job_of_someone_without_the_export_act_writes_nothing(world, selection):
    # The scope and the act are the owner's when the rows are read, not what a request once saw.
    job = Job.objects.create(owner=world.guo, kind=EXPORT_JOB_KIND, title="导出")
    export_techniques.enqueue(job_id=job.pk, query="")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.output_file


def test_the_job_is_scoped_to_its_owner_whatever_the_filters_say(world, selection):
    job = schedule_export(actor=world.zhou, params=QueryDict("region=140802"), total=5)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"rows": 0}


def test_a_selection_at_the_threshold_still_comes_back_at_once(world, client_for, selection, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 5
    response = client_for("sun").get("/techniques/export.xlsx")
    assert response.status_code == 200 and len(_rows(b"".join(response.streaming_content))) == 6
    assert not Job.objects.filter(kind=EXPORT_JOB_KIND).exists()
