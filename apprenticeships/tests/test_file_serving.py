"""Application documents, signed scans and the contract never run in a browser (issue 13 §1):
stored under a name of the server's with the type their bytes say, served only through the
permission-checked views with that type, nosniff, a sandboxing CSP and no caching."""

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

from accounts import services as accounts_services
from accounts.models import Membership
from apprenticeships import importing, services
from apprenticeships.models import ApplicationDocument, ApprenticeApplication, ContractSignature, Document
from apprenticeships.tests.factories import PDF, a_master, approved_for, draft_for, live_match, zhang_master
from apprenticeships.tests.test_import import FILES, _row, _workbook
from masters.tests.factories import applicant

# A PDF to a PDF viewer, and a page with script to a browser that guesses from the name.
POLYGLOT = b"%PDF-1.4\n<html><script>window.pwned=1; document.title='pwned'</script></html>\n%%EOF\n"
HTML = b"<!doctype html><title>x</title><script>window.pwned=1</script>"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ARCHIVE = _zip({"a.html": HTML, "b.txt": b"hello"})


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def assert_locked_down(response, *, content_type: str, body: bytes | None = None) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    assert content == body if body is not None else content.startswith(b"%PDF-")


@pytest.fixture
def media(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


# --- application documents -----------------------------------------------------------------------


@pytest.fixture
def draft(world):
    return draft_for(world, [zhang_master(world)], documents=False)


def _add(client, draft, upload, kind=Document.DEGREE):
    return client.post(reverse("apprenticeships:document-add", args=[draft.pk]), {"kind": kind, "file": upload})


def test_a_document_uploaded_as_html_is_stored_and_served_as_a_pdf(world, client_for, draft):
    _add(client_for("liming"), draft, SimpleUploadedFile("x.html", POLYGLOT, "text/html"))
    document = draft.documents.get()
    assert re.fullmatch(r"apprenticeships/documents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", document.file.name)
    assert (document.content_type, document.original_name) == ("application/pdf", "x.html")
    served = client_for("zhou").get(reverse("apprenticeships:document-download", args=[document.pk]))
    assert_locked_down(served, content_type="application/pdf", body=POLYGLOT)
    assert served["Content-Disposition"] == 'inline; filename="x.pdf"'


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("学位.pdf", HTML, "学历学位证书：文件内容不是允许的类型"),
        ("学位.pdf", ARCHIVE, "学历学位证书：压缩包不能作为文档上传"),
    ],
    ids=["html-named-pdf", "zip"],
)
def test_a_document_that_is_not_what_it_says_is_refused_and_nothing_is_stored(
    world, client_for, draft, media, name, content, rule
):
    response = _add(client_for("liming"), draft, SimpleUploadedFile(name, content, "application/pdf"))
    assert rule in response.content.decode()
    assert not ApplicationDocument.objects.exists() and stored_files(media) == []


def test_a_document_stored_before_types_were_kept_is_served_by_its_bytes(world, client_for, draft):
    _add(client_for("liming"), draft, SimpleUploadedFile("学位.pdf", PDF))
    document = draft.documents.get()
    old = default_storage.save("apprenticeships/documents/2025/01/学位.pdf", ContentFile(HTML))
    ApplicationDocument.objects.filter(pk=document.pk).update(file=old, content_type="")
    response = client_for("liming").get(reverse("apprenticeships:document-download", args=[document.pk]))
    assert_locked_down(response, content_type="application/octet-stream", body=HTML)
    assert response["Content-Disposition"].startswith("attachment")


def test_a_batch_import_stores_its_documents_under_server_names_with_their_types(world, media):
    master = a_master(world)
    row = _row(world, master, **{"学历学位证书文件": "王小红/学位.html"})
    archive = _zip({**FILES, "王小红/学位.html": POLYGLOT})
    result = importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=_workbook([row]), archive=archive
    )
    assert result.ok, [str(e) for e in result.errors]
    documents = ApplicationDocument.objects.filter(application_id=result.created[0])
    assert documents.count() == 4
    for document in documents:
        assert re.fullmatch(r"apprenticeships/documents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", document.file.name)
        assert document.content_type == "application/pdf"
    assert documents.get(kind=Document.DEGREE).original_name == "学位.html"


def test_a_batch_import_refuses_an_archive_inside_the_archive(world, media):
    master = a_master(world)
    result = importing.application_import(
        actor=world.wang,
        organization=world.organizer,
        workbook=_workbook([_row(world, master)]),
        archive=_zip({**FILES, "王小红/学位.pdf": ARCHIVE}),
    )
    assert not result.ok and not ApprenticeApplication.objects.exists() and stored_files(media) == []
    messages = [str(e) for e in result.errors]
    assert any("学历学位证书文件" in m and "学历学位证书：压缩包不能作为文档上传" in m for m in messages), messages


# --- the contract and signed scans ---------------------------------------------------------------


@pytest.fixture
def accepted(world):
    """李明's application, accepted by 张医生: the contract exists and waits for signatures."""
    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    match.refresh_from_db()
    return match


def _sign(client, match, upload):
    return client.post(reverse("apprenticeships:match-sign", args=[match.pk]), {"scan": upload})


def test_the_contract_is_the_platforms_pdf_under_a_server_name(world, client_for, accepted):
    assert re.fullmatch(r"apprenticeships/contracts/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", accepted.contract.name)
    served = client_for("liming").get(reverse("apprenticeships:match-contract", args=[accepted.pk]))
    assert_locked_down(served, content_type="application/pdf")
    assert accepted.contract_number in served["Content-Disposition"]


def test_a_scan_uploaded_as_html_is_stored_and_served_as_a_pdf(world, client_for, accepted):
    response = _sign(client_for("liming"), accepted, SimpleUploadedFile("x.html", POLYGLOT, "text/html"))
    assert response.status_code == 302
    signature = ContractSignature.objects.get(match=accepted)
    assert re.fullmatch(r"apprenticeships/signatures/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", signature.scan.name)
    assert signature.scan_type == "application/pdf"
    served = client_for("zhang").get(reverse("apprenticeships:signature-scan", args=[signature.pk]))
    assert_locked_down(served, content_type="application/pdf", body=POLYGLOT)


@pytest.mark.parametrize(
    ("content", "rule"),
    [(HTML, "签字扫描件：文件内容不是允许的类型"), (ARCHIVE, "签字扫描件：压缩包不能作为文档上传")],
    ids=["html-named-pdf", "zip"],
)
def test_a_scan_that_is_not_what_it_says_is_refused_and_nothing_is_stored(
    world, client_for, accepted, media, content, rule
):
    before = set(stored_files(media))
    response = _sign(client_for("liming"), accepted, SimpleUploadedFile("签字.pdf", content, "application/pdf"))
    assert rule in response.content.decode()
    assert not ContractSignature.objects.exists() and set(stored_files(media)) == before


def test_a_scan_stored_before_types_were_kept_is_served_by_its_bytes(world, client_for, accepted):
    signature = services.apprentice_contract_sign(match=accepted, actor=world.liming)
    old = default_storage.save("apprenticeships/signatures/2025/签字.html", ContentFile(POLYGLOT))
    ContractSignature.objects.filter(pk=signature.pk).update(scan=old, scan_type="")
    served = client_for("liming").get(reverse("apprenticeships:signature-scan", args=[signature.pk]))
    assert_locked_down(served, content_type="application/pdf", body=POLYGLOT)


# --- who may fetch them --------------------------------------------------------------------------


def _apprentice(world, name: str, organization):
    user = applicant(world, name, organization.region.code[:6])
    Membership.objects.filter(user=user).delete()
    accounts_services.membership_grant(user=user, organization=organization, role=Membership.Role.APPRENTICE)
    return user


def _walk(client, urls: list[str], expected: dict) -> None:
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


def test_only_the_applicant_and_the_staff_over_it_fetch_a_document(world, client, client_for, draft):
    _add(client_for("liming"), draft, SimpleUploadedFile("学位.pdf", PDF))
    url = reverse("apprenticeships:document-download", args=[draft.documents.get().pk])
    expected = {
        world.liming: 200,
        world.zhou: 200,  # 永济市's office staff
        world.yang: 200,
        world.sun: 404,  # another county's office staff
        world.lin: 404,
        # The programme's units see an application once it is submitted, not a draft.
        world.wang: 404,
        world.zhao: 404,
        # A master — even the one the draft names — does not read a draft.
        world.zhang: 404,
        a_master(world, "薛荣昌").user: 404,
        world.chen: 404,
        # Another apprentice of 李明's hospital reaches the record through it, but has no part in
        # it: 403, as on the application's page (apprenticeships/tests/url_expectations.py).
        _apprentice(world, "王小红", world.yongji_tcm): 403,
    }
    _walk(client, [url], expected)


def test_only_the_parties_and_the_staff_over_it_fetch_the_contract_and_scans(world, client, client_for, accepted):
    _sign(client_for("liming"), accepted, SimpleUploadedFile("签字.pdf", PDF))
    signature = ContractSignature.objects.get(match=accepted)
    urls = [
        reverse("apprenticeships:match-contract", args=[accepted.pk]),
        reverse("apprenticeships:signature-scan", args=[signature.pk]),
    ]
    expected = {
        world.liming: 200,  # the apprentice
        world.zhang: 200,  # the master
        world.zhou: 200,
        world.yang: 200,
        world.wang: 200,
        world.zhao: 200,
        world.sun: 404,
        world.lin: 404,
        world.guo: 404,
        _apprentice(world, "刘小青", world.township_centre): 404,
        a_master(world, "薛荣昌").user: 404,  # a master of 张医生's hospital, not of this match
        world.chen: 404,  # an expert of 张医生's hospital
        # Another apprentice of 李明's hospital reaches the match through it but has no part in
        # it: 403, as on the match's page (apprenticeships/tests/url_expectations.py).
        _apprentice(world, "王小红", world.yongji_tcm): 403,
    }
    _walk(client, urls, expected)


def test_no_page_links_a_stored_file_directly():
    """A stored file is reached only through its view: never its storage URL, never /media/."""
    from django.conf import settings

    templates = Path(settings.BASE_DIR) / "templates" / "apprenticeships"
    pages = list(templates.rglob("*.html"))
    assert pages
    for template in pages:
        text = template.read_text()
        assert not re.search(r"\.(file|scan|contract|evidence|output_file|input_file)\.url\b", text), template
        assert "/media/" not in text and "MEDIA_URL" not in text, template
