"""A job's output (an error workbook, an export) is stored under a name of the server's, served to
its owner only with the type the platform gave it, and deleted after JOB_OUTPUT_DAYS (issue 13
§1, §12)."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jobs import services
from jobs.models import Job
from jobs.tasks import expire_job_outputs
from lib import files

WORKBOOK = b"PK\x03\x04" + b"\x00" * 60  # the platform's own xlsx; only its first bytes matter here
POLYGLOT = b"%PDF-1.4\n<html><script>window.pwned=1; document.title='pwned'</script></html>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _finished(owner, *, days_ago: float = 0, data: bytes = WORKBOOK, name: str = "病案导入错误清单.xlsx") -> Job:
    job = services.job_create(owner=owner, kind="case_import", title="导入病案")
    services.job_finish(job, succeeded=False, message="有 2 处错误", output_file=ContentFile(data, name=name))
    finished = timezone.now() - datetime.timedelta(days=days_ago)
    Job.objects.filter(pk=job.pk).update(finished_at=finished, created_at=finished)
    job.refresh_from_db()
    return job


def assert_locked_down(response, *, content_type: str, body: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == body


def test_an_error_workbook_is_stored_under_a_server_name_and_downloaded_under_its_own(world, client_for):
    job = _finished(world.sun)
    assert re.fullmatch(r"jobs/output/\d{4}/\d{2}/[0-9a-f]{32}\.xlsx", job.output_file.name)
    assert (job.output_type, job.output_name) == (files.XLSX, "病案导入错误清单.xlsx")
    response = client_for("sun").get(reverse("jobs:job-output", args=[job.pk]))
    assert_locked_down(response, content_type=files.XLSX, body=WORKBOOK)
    assert response["Content-Disposition"].startswith("attachment")
    assert quote("病案导入错误清单.xlsx") in response["Content-Disposition"]


def test_an_output_named_html_is_never_served_as_html(world, client_for):
    job = _finished(world.sun, data=POLYGLOT, name="x.html")
    assert re.fullmatch(r"jobs/output/\d{4}/\d{2}/[0-9a-f]{32}\.bin", job.output_file.name)
    response = client_for("sun").get(reverse("jobs:job-output", args=[job.pk]))
    assert_locked_down(response, content_type="application/pdf", body=POLYGLOT)
    assert "html" not in response["Content-Disposition"]


def test_an_output_stored_before_its_type_was_kept_is_served_by_the_name_the_platform_gave_it(world, client_for):
    job = _finished(world.sun)
    old = default_storage.save("jobs/output/2025/01/病案导入错误清单.xlsx", ContentFile(WORKBOOK))
    Job.objects.filter(pk=job.pk).update(output_file=old, output_type="", output_name="")
    response = client_for("sun").get(reverse("jobs:job-output", args=[job.pk]))
    assert_locked_down(response, content_type=files.XLSX, body=WORKBOOK)
    assert response["Content-Disposition"].startswith("attachment")


def test_only_the_jobs_owner_fetches_its_output(world, client, client_for):
    job = _finished(world.sun)
    url = reverse("jobs:job-output", args=[job.pk])
    for name in ("zhou", "wang", "zhao", "liming", "zhang", "chen", "lin"):
        response = client_for(name).get(url)
        assert (name, response.status_code) == (name, 404)
        assert client_for(name).get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- expiry (issue 13 §12) -----------------------------------------------------------------------


def test_outputs_older_than_seven_days_are_deleted_and_the_page_says_so(world, client_for, media):
    old = _finished(world.sun, days_ago=8)
    recent = _finished(world.sun, days_ago=6)
    # A failed run that left its upload behind: it holds the person's rows, and goes too.
    leftover = default_storage.save("jobs/input/2025/01/upload.xlsx", ContentFile(WORKBOOK))
    Job.objects.filter(pk=old.pk).update(input_file=leftover)
    old_output = old.output_file.name

    assert services.job_outputs_expire() == 1

    old.refresh_from_db()
    assert not old.output_file and not old.input_file and old.output_expired_at is not None
    assert not default_storage.exists(old_output) and not default_storage.exists(leftover)
    recent.refresh_from_db()
    assert recent.output_file and default_storage.exists(recent.output_file.name)
    assert client_for("sun").get(reverse("jobs:job-output", args=[old.pk])).status_code == 404
    page = client_for("sun").get(reverse("jobs:job-detail", args=[old.pk])).content.decode()
    assert "结果文件已过保存期限" in page and "job-output-link" not in page
    # Run again: nothing left to do, nothing fails.
    assert services.job_outputs_expire() == 0


def test_the_retention_is_the_setting_and_the_command_and_the_task_apply_it(world, settings):
    settings.JOB_OUTPUT_DAYS = 2
    three_days = _finished(world.sun, days_ago=3)
    one_day = _finished(world.sun, days_ago=1)
    out = io.StringIO()
    call_command("expire_job_outputs", stdout=out)
    assert "已删除 1 个任务的结果文件（保留 2 天）" in out.getvalue()
    three_days.refresh_from_db()
    one_day.refresh_from_db()
    assert not three_days.output_file and one_day.output_file
    call_command("expire_job_outputs", "--days", "0", stdout=io.StringIO())
    one_day.refresh_from_db()
    assert not one_day.output_file and one_day.output_expired_at is not None
    fresh = _finished(world.sun, days_ago=5)
    expire_job_outputs.enqueue()
    fresh.refresh_from_db()
    assert not fresh.output_file


def test_an_unfinished_job_keeps_its_upload_until_it_is_older_than_the_retention(world):
    job = services.job_create(
        owner=world.sun, kind="case_import", title="导入病案", input_file=ContentFile(WORKBOOK, name="a.xlsx")
    )
    assert re.fullmatch(r"jobs/input/\d{4}/\d{2}/[0-9a-f]{32}\.xlsx", job.input_file.name)
    assert services.job_outputs_expire() == 0
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert services.job_outputs_expire() == 1
    job.refresh_from_db()
    assert not job.input_file and job.output_expired_at is None


def test_no_page_links_a_stored_file_directly():
    """A stored file is reached only through its view: never its storage URL, never /media/."""
    from django.conf import settings

    templates = Path(settings.BASE_DIR) / "templates" / "jobs"
    pages = list(templates.rglob("*.html"))
    assert pages
    for template in pages:
        text = template.read_text()
        assert not re.search(r"\.(file|scan|contract|evidence|output_file|input_file)\.url\b", text), template
        assert "/media/" not in text and "MEDIA_URL" not in text, template
