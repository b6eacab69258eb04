"""Evidence and graduation materials never run in a browser (issue 13 §1): stored under a name of
the server's with the type their bytes say, served only through the permission-checked views with
that type, nosniff, a sandboxing CSP and no caching."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Membership
from lib import files
from masters.tests.factories import applicant
from teaching import services
from teaching.models import Activity, GraduationItem
from teaching.tests.factories import apprenticeship_for, log, plan_for

# A PDF to a PDF viewer, and a page with script to a browser that guesses from the name.
POLYGLOT = b"%PDF-1.4\n<html><script>window.pwned=1; document.title='pwned'</script></html>\n%%EOF\n"
HTML = b"<!doctype html><title>x</title><script>window.pwned=1</script>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(parts: dict[str, bytes], **kwargs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


WORD = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ARCHIVE = _zip({"a.html": HTML, "b.txt": b"hello"})


def _bomb() -> bytes:
    """A Word-shaped ZIP of under 1 MB that unpacks to 150 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(150):
                member.write(b"\0" * files.MB)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def learning(world):
    apprenticeship = apprenticeship_for(world)
    plan_for(world, apprenticeship)
    return apprenticeship


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def assert_locked_down(response, *, content_type: str, body: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == body


def _evidence_form(learning, client, upload) -> object:
    return client.post(
        reverse("teaching:activity-create", args=[learning.pk]),
        {
            "kind": "lecture",
            "category": "theory",
            "date": timezone.localdate().isoformat(),
            "hours": "3",
            "topic": "中风病机讲座",
            "evidence": upload,
        },
    )


# --- evidence ------------------------------------------------------------------------------------


def test_a_pdf_uploaded_as_html_is_stored_as_a_pdf_and_served_as_one(world, client_for, learning):
    response = _evidence_form(learning, client_for("liming"), SimpleUploadedFile("x.html", POLYGLOT, "text/html"))
    assert response.status_code == 302
    activity = Activity.objects.get(apprenticeship=learning)
    assert re.fullmatch(r"teaching/evidence/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", activity.evidence.name)
    assert activity.evidence_type == "application/pdf"
    served = client_for("zhang").get(reverse("teaching:activity-evidence", args=[activity.pk]))
    assert_locked_down(served, content_type="application/pdf", body=POLYGLOT)
    assert "%E4%BD%90%E8%AF%81%E6%9D%90%E6%96%99" in served["Content-Disposition"]  # 佐证材料
    assert served["Content-Disposition"].endswith(".pdf") and "html" not in served["Content-Disposition"]


def test_an_html_file_named_pdf_is_refused_naming_the_field_and_nothing_is_stored(world, client_for, learning, media):
    response = _evidence_form(learning, client_for("liming"), SimpleUploadedFile("scan.pdf", HTML, "application/pdf"))
    assert response.status_code == 200
    assert "佐证材料：文件内容不是允许的类型" in response.content.decode()
    assert not Activity.objects.exists() and stored_files(media) == []


def test_a_zip_is_refused_as_evidence(world, learning, media):
    from lib.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        log(world, learning, evidence=SimpleUploadedFile("evidence.pdf", ARCHIVE, "application/pdf"))
    assert refused.value.field == "evidence"
    assert refused.value.message.startswith("佐证材料：压缩包不能作为文档上传")
    assert not Activity.objects.exists() and stored_files(media) == []


def test_evidence_stored_before_types_were_kept_is_served_by_its_bytes(world, client_for, learning):
    activity = log(world, learning)
    # A row of before: the uploader's own name, no type.
    pdf_as_html = default_storage.save("teaching/evidence/2025/01/随诊记录.html", ContentFile(POLYGLOT))
    Activity.objects.filter(pk=activity.pk).update(evidence=pdf_as_html, evidence_type="")
    url = reverse("teaching:activity-evidence", args=[activity.pk])
    assert_locked_down(client_for("liming").get(url), content_type="application/pdf", body=POLYGLOT)
    html_as_pdf = default_storage.save("teaching/evidence/2025/01/scan.pdf", ContentFile(HTML))
    Activity.objects.filter(pk=activity.pk).update(evidence=html_as_pdf, evidence_type="text/html")
    response = client_for("liming").get(url)
    assert_locked_down(response, content_type="application/octet-stream", body=HTML)
    assert response["Content-Disposition"].startswith("attachment") and "sandbox" in response["Content-Security-Policy"]


# --- graduation materials ------------------------------------------------------------------------


def _item(world, learning, upload):
    return services.graduation_item_add(
        apprenticeship=learning, actor=world.liming, kind=GraduationItem.Kind.PAPER, title="论文", upload=upload
    )


def test_a_graduation_item_uploaded_as_html_is_stored_and_served_as_a_pdf(world, client_for, learning):
    response = client_for("liming").post(
        reverse("teaching:graduation-item-add", args=[learning.pk]),
        {"kind": "paper", "title": "论文", "text": "", "file": SimpleUploadedFile("x.html", POLYGLOT, "text/html")},
    )
    assert response.status_code == 302
    item = GraduationItem.objects.get(graduation__apprenticeship=learning)
    assert re.fullmatch(r"teaching/graduation/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", item.file.name)
    assert item.file_type == "application/pdf"
    served = client_for("zhao").get(reverse("teaching:graduation-item-file", args=[item.pk]))
    assert_locked_down(served, content_type="application/pdf", body=POLYGLOT)


def test_a_word_paper_is_accepted_and_only_ever_downloaded(world, client_for, learning):
    item = _item(world, learning, SimpleUploadedFile("论文.docx", WORD))
    assert item.file.name.endswith(".docx") and item.file_type == files.DOCX
    served = client_for("zhang").get(reverse("teaching:graduation-item-file", args=[item.pk]))
    assert_locked_down(served, content_type=files.DOCX, body=WORD)
    assert served["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("scan.pdf", lambda: HTML, "附件：文件内容不是允许的类型"),
        ("论文.docx", lambda: ARCHIVE, "附件：压缩包不能作为文档上传"),
        ("论文.docx", _bomb, "疑似压缩炸弹"),
    ],
    ids=["html-named-pdf", "plain-zip", "zip-bomb"],
)
def test_a_graduation_item_that_is_not_what_it_says_is_refused_through_the_page(
    world, client_for, learning, media, name, content, rule
):
    page = reverse("teaching:graduation", args=[learning.pk])
    response = client_for("liming").post(
        reverse("teaching:graduation-item-add", args=[learning.pk]),
        {"kind": "paper", "title": "论文", "text": "摘要", "file": SimpleUploadedFile(name, content())},
        HTTP_REFERER=f"http://testserver{page}",
        follow=True,
    )
    # Back on the graduation page the browser came from, with the rule — not an error page.
    assert response.status_code == 200 and response.redirect_chain[-1][0].endswith(page)
    message = re.search(r"附件[^<]*", response.content.decode())
    assert message and rule in message.group(0), response.content.decode()[-2000:]
    assert not GraduationItem.objects.exists() and stored_files(media) == []


def test_a_word_paper_stored_as_a_zip_before_is_served_as_word(world, client_for, learning):
    item = services.graduation_item_add(
        apprenticeship=learning, actor=world.liming, kind=GraduationItem.Kind.PAPER, title="论文", text="摘要"
    )
    # Before: the uploader's name, and the type the platform knew then (a blank one after the
    # migration that forgot "application/zip").
    old = default_storage.save("teaching/graduation/2025/01/论文.docx", ContentFile(WORD))
    GraduationItem.objects.filter(pk=item.pk).update(file=old, file_type="")
    served = client_for("liming").get(reverse("teaching:graduation-item-file", args=[item.pk]))
    assert_locked_down(served, content_type=files.DOCX, body=WORD)
    assert served["Content-Disposition"].startswith("attachment")


# --- who may fetch them --------------------------------------------------------------------------


def _apprentice(world, name: str, organization):
    user = applicant(world, name, organization.region.code[:6])
    Membership.objects.filter(user=user).delete()
    accounts_services.membership_grant(user=user, organization=organization, role=Membership.Role.APPRENTICE)
    return user


@pytest.fixture
def outsiders(world, learning):
    """Other apprentices of the same master (one of 李明's hospital, one of a township's), and a
    master of 张医生's hospital who does not teach 李明."""
    colleague = _apprentice(world, "王小红", world.yongji_tcm)
    apprenticeship_for(world, apprentice=colleague)
    stranger = _apprentice(world, "刘小青", world.township_centre)
    apprenticeship_for(world, apprentice=stranger)
    return {"colleague": colleague, "stranger": stranger, "other_master": applicant(world, "薛荣昌")}


def test_only_the_parties_and_the_units_over_it_fetch_the_files(world, client, learning, outsiders):
    activity = log(world, learning, evidence=SimpleUploadedFile("a.pdf", PDF))
    item = _item(world, learning, SimpleUploadedFile("b.pdf", PDF))
    urls = [
        reverse("teaching:activity-evidence", args=[activity.pk]),
        reverse("teaching:graduation-item-file", args=[item.pk]),
    ]
    expected = {
        world.liming: 200,
        world.zhang: 200,
        world.zhou: 200,  # 永济市's office staff
        world.wang: 200,  # the organizing unit
        world.zhao: 200,  # the host unit
        world.sun: 404,  # 盐湖区's office staff: another county
        world.lin: 404,  # a township's office staff
        world.guo: 404,  # a holder
        outsiders["stranger"]: 404,  # another apprentice of 张医生, elsewhere
        # Those who reach the record through a hospital of its parties but have no part in it are
        # told 403, as on every page of the app (teaching/tests/url_expectations.py).
        outsiders["colleague"]: 403,  # another apprentice of 李明's hospital
        outsiders["other_master"]: 403,  # a master of 张医生's hospital who does not teach 李明
        world.chen: 403,  # an expert of 张医生's hospital
    }
    for user, status in expected.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert (user.full_name, url, response.status_code) == (user.full_name, url, status)
            if status != 200:
                assert b"%PDF" not in response.content
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_page_links_a_stored_file_directly():
    """A stored file is reached only through its view: never its storage URL, never /media/."""
    from django.conf import settings

    templates = Path(settings.BASE_DIR) / "templates" / "teaching"
    pages = list(templates.rglob("*.html"))
    assert pages
    for template in pages:
        text = template.read_text()
        assert not re.search(r"\.(file|scan|contract|evidence|output_file|input_file)\.url\b", text), template
        assert "/media/" not in text and "MEDIA_URL" not in text, template
