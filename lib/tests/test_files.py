"""The platform's one way in and one way out for uploaded files (issue 13 §1)."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from lib import files

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def test_a_pdf_named_html_is_a_pdf_and_is_renamed_to_what_it_is():
    upload = SimpleUploadedFile("x.html", PDF, content_type="text/html")
    assert files.accept_upload(upload, allowed=files.DOCUMENT, field_label="佐证材料") == files.PDF
    assert upload.name == "upload.pdf"


def test_html_named_pdf_is_refused_naming_the_field_and_the_types():
    upload = SimpleUploadedFile("scan.pdf", HTML, content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        files.accept_upload(upload, allowed=files.DOCUMENT, field_label="佐证材料")
    message = refused.value.messages[0]
    assert message.startswith("佐证材料：") and "PDF" in message and "JPEG" in message


def test_an_empty_file_and_an_oversized_one_are_refused():
    with pytest.raises(ValidationError, match="文件是空的"):
        files.check_upload(SimpleUploadedFile("a.pdf", b""), allowed=files.DOCUMENT, field_label="附件")
    with pytest.raises(ValidationError, match="不能超过 1 MB"):
        files.check_upload(
            SimpleUploadedFile("a.pdf", PDF + b"0" * files.MB),
            allowed=files.DOCUMENT,
            field_label="附件",
            max_bytes=files.MB,
        )


def test_a_word_document_is_told_apart_from_an_archive():
    word = SimpleUploadedFile("论文.docx", DOCX)
    assert files.accept_upload(word, allowed=files.DOCUMENT | {files.DOCX}, field_label="附件") == files.DOCX
    assert word.name == "upload.docx"
    archive = SimpleUploadedFile("论文.docx", _zip({"a.txt": b"hello", "b/c.html": HTML}))
    with pytest.raises(ValidationError, match="压缩包不能作为文档上传"):
        files.check_upload(archive, allowed=files.DOCUMENT | {files.DOCX}, field_label="附件")


def test_a_word_document_with_macros_is_refused():
    macro = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\0" * 10})
    with pytest.raises(ValidationError, match="含宏"):
        files.check_upload(SimpleUploadedFile("a.docx", macro), allowed={files.DOCX}, field_label="附件")


def test_a_zip_expanding_to_150_mb_is_refused_before_anything_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * files.MB
            for _ in range(150):
                member.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < 2 * files.MB
    with pytest.raises(ValidationError, match="疑似压缩炸弹"):
        files.check_upload(SimpleUploadedFile("a.docx", bomb), allowed={files.DOCX}, field_label="附件")


def test_the_stored_name_is_the_servers_whatever_the_sender_called_it():
    name = files.ServerName("teaching/evidence")(None, "../../etc/passwd<script>.html")
    assert re.fullmatch(r"teaching/evidence/\d{4}/\d{2}/[0-9a-f]{32}\.bin", name)
    assert files.ServerName("x")(None, "upload.pdf").endswith(".pdf")
    assert files.ServerName("x") == files.ServerName("x/")


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    field = FileField(name="file")

    def store(data: bytes, name: str) -> FieldFile:
        saved = default_storage.save(name, ContentFile(data))
        return FieldFile(None, field, saved)

    return store


def test_a_document_is_served_with_its_stored_type_and_locked_down(stored):
    response = files.serve_file(stored(PDF, "a/b.pdf"), content_type=files.PDF, download_name="合同.html")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "%E5%90%88%E5%90%8C.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_a_type_that_is_not_viewable_is_always_a_download_in_a_sandbox(stored):
    response = files.serve_file(stored(DOCX, "a/b.docx"), content_type=files.DOCX, download_name="论文")
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    # An image is shown, but still sandboxed: an SVG or HTML could never be an image here.
    image = files.serve_file(stored(PNG, "a/c.png"), content_type=files.PNG, download_name="照片")
    assert image["Content-Disposition"].startswith("inline") and "sandbox" in image["Content-Security-Policy"]


def test_a_row_without_a_stored_type_is_typed_by_its_bytes_not_its_name(stored):
    response = files.serve_file(stored(HTML, "a/evil.pdf"), content_type="", download_name="evil.pdf")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="evil.bin"' in response["Content-Disposition"]
    # A stored type the platform does not know (a legacy row saying text/html) is not believed.
    forged = files.serve_file(stored(PNG, "a/d.png"), content_type="text/html", download_name="d")
    assert forged["Content-Type"] == "image/png"


def test_behind_nginx_the_bytes_come_from_an_internal_location(stored, settings):
    settings.FILES_X_ACCEL_PREFIX = "/protected-media/"
    field = stored(PDF, "a/b.pdf")
    response = files.serve_file(field, content_type=files.PDF, download_name="b")
    assert response["X-Accel-Redirect"] == f"/protected-media/{field.name}"
    assert response.content == b"" and response["Content-Type"] == "application/pdf"


def test_a_missing_file_is_a_404_not_a_500(stored):
    from django.http import Http404

    field = stored(PDF, "a/gone.pdf")
    default_storage.delete(field.name)
    with pytest.raises(Http404):
        files.serve_file(field, content_type=files.PDF, download_name="x")
    with pytest.raises(Http404):
        files.serve_file(FieldFile(None, FileField(name="f"), ""), content_type=files.PDF, download_name="x")
