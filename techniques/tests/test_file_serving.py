"""A technique's files never run in a browser (issue 13 §1): each kind is typed by its content when
it is uploaded, stored under the server's name, and served only to those who may open the
technique's page, with its stored type, nosniff, a sandboxing CSP and no caching."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Region
from chuancheng.test import declaration_for
from lib import files
from techniques.models import ConsentRecord, Procedure, ProtectionRecord, Technique, TechniqueFile
from techniques.tests.test_declaration import _form

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><script>fetch('/api/v1/me').then(r=>r.text()).then(alert)</script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ARCHIVE = _zip({"readme.txt": b"hello", "page.html": HTML})


@dataclass(frozen=True)
class Kind:
    """One kind of file of a technique: how it is uploaded on the page, where it is kept, and the
    view that serves it."""

    name: str
    label: str  # the field the refusal names
    prefix: str
    model: type
    file_field: str
    type_field: str
    view: str
    keeper: str  # the persona who uploads it (and sees the technique)

    def upload(self, world, client: Client, name: str, data: bytes):
        """Uploads a file of this kind as the browser would, and returns the page that follows."""
        upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        if self.name == "scan":
            # 林干事 enters a paper form for his township; the scan comes with the declaration.
            township = world.township_centre
            village = Region.objects.filter(parent=township.region).order_by("code").first()
            form = _form(region_code=village.code, channel="offline", **{"offline-entered_org": township.pk})
            form["offline-scanned_original"] = upload
            return client.post("/techniques/declare/", form, follow=True)
        # 郭秀兰's own draft (in 临猗县), on its management page.
        technique = Technique.objects.filter(entered_by=world.guo).first() or declaration_for(world.guo)
        url, data = {
            "file": ("file-add", {"file": upload, "title": "补脾经手法"}),
            "protection": ("protection-add", {"kind": "patent", "title": "一种推拿介质", "document": upload}),
            "consent": (
                "consent-add",
                {"kind": "research", "granted": "1", "holder_name": "郭秀兰", "document": upload},
            ),
            "procedure": ("procedure-add", {"title": "操作规程", "body": "第一步", "document": upload}),
        }[self.name]
        page = reverse(f"techniques:{url}", args=[technique.pk])
        return client.post(page, {**data, "next": f"/techniques/manage/{technique.pk}/"}, follow=True)

    def records(self):
        rows = self.model.objects.all()
        return rows.exclude(scanned_original="") if self.name == "scan" else rows

    def url(self, record) -> str:
        return reverse(f"techniques:{self.view}", args=[record.pk])


KINDS = {
    k.name: k
    for k in (
        Kind("scan", "纸质申报表扫描件", "techniques/originals", Technique, "scanned_original", "scanned_original_type", "scanned-original", "lin"),
        Kind("file", "图片、视频或文档", "techniques/files", TechniqueFile, "file", "content_type", "file", "guo"),
        Kind("protection", "证明文件", "techniques/protection", ProtectionRecord, "document", "document_type", "protection-document", "guo"),
        Kind("consent", "签字文件", "techniques/consent", ConsentRecord, "document", "document_type", "consent-document", "guo"),
        Kind("procedure", "附件", "techniques/procedures", Procedure, "document", "document_type", "procedure-document", "guo"),
    )
}  # fmt: skip
DOCUMENT_KINDS = ["file", "protection", "consent", "procedure"]


@pytest.fixture(params=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(kind: Kind, world, client_for, name: str, data: bytes):
    return kind.upload(world, client_for(kind.keeper), name, data)


def test_a_pdf_named_html_is_stored_as_a_pdf_and_served_as_one_locked_down(kind, world, client_for):
    _upload(kind, world, client_for, "x.html", PDF)
    record = kind.records().get()
    stored = getattr(record, kind.file_field)
    assert re.fullmatch(rf"{kind.prefix}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.pdf", stored.name), stored.name
    assert getattr(record, kind.type_field) == files.PDF
    response = client_for(kind.keeper).get(kind.url(record))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline") and ".pdf" in response["Content-Disposition"]
    assert ".html" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_html_named_pdf_is_refused_naming_the_field_and_nothing_is_stored(kind, world, client_for):
    page = _upload(kind, world, client_for, "scan.pdf", HTML).content.decode()
    assert f"{kind.label}：文件内容不是允许的类型" in page
    assert not kind.records().exists()
    assert _stored_files() == []


def test_an_archive_is_refused_where_a_document_is_expected(kind, world, client_for):
    page = _upload(kind, world, client_for, "材料.docx", ARCHIVE).content.decode()
    assert f"{kind.label}：压缩包不能作为文档上传" in page
    assert not kind.records().exists()
    assert _stored_files() == []


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(world, client_for):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(150):
                member.write(b"\0" * files.MB)
    page = _upload(KINDS["protection"], world, client_for, "专利.docx", buffer.getvalue()).content.decode()
    assert re.search(r"证明文件[：中][^<]*疑似压缩炸弹", page)
    assert not ProtectionRecord.objects.exists() and _stored_files() == []


@pytest.mark.parametrize("name", DOCUMENT_KINDS)
def test_a_word_document_is_accepted_where_documents_are_and_is_always_a_download(name, world, client_for):
    kind = KINDS[name]
    _upload(kind, world, client_for, "说明.docx", DOCX)
    record = kind.records().get()
    assert getattr(record, kind.file_field).name.endswith(".docx")
    assert getattr(record, kind.type_field) == files.DOCX
    response = client_for(kind.keeper).get(kind.url(record))
    assert response["Content-Type"] == files.DOCX
    assert response["Content-Disposition"].startswith("attachment") and ".docx" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_paper_forms_scan_is_a_scan_not_a_word_document(world, client_for):
    page = _upload(KINDS["scan"], world, client_for, "申报表.docx", DOCX).content.decode()
    assert "纸质申报表扫描件：文件内容不是允许的类型" in page
    assert not Technique.objects.exists()


def test_a_technique_file_has_the_size_limit_of_its_kind(world, client_for):
    kind = KINDS["file"]
    page = _upload(kind, world, client_for, "照片.png", PNG + b"\0" * (10 * files.MB)).content.decode()
    assert "图片、视频或文档：图片不能超过 10 MB" in page
    page = _upload(kind, world, client_for, "病例.pdf", PDF + b"\0" * (20 * files.MB)).content.decode()
    assert "图片、视频或文档：文档不能超过 20 MB" in page
    assert not TechniqueFile.objects.exists() and _stored_files() == []


def test_only_those_who_may_open_the_technique_reach_its_files(kind, world, client_for):
    _upload(kind, world, client_for, "x.pdf", PDF)
    url = kind.url(kind.records().get())
    # The city's staff see every technique of the city; the keeper sees their own.
    for persona in (kind.keeper, "yang", "admin"):
        assert client_for(persona).get(url).status_code == 200, persona
    # 周科员 works for another county, 陈专家 is an expert no evaluation assigned to it, and a
    # visitor is signed out: for each of them the file does not exist.
    for persona in ("zhou", "chen"):
        assert client_for(persona).get(url).status_code == 404, persona
    assert Client().get(url).status_code == 404


def test_the_management_page_links_each_file_through_its_view_and_never_media(world, client_for):
    for name in KINDS:
        _upload(KINDS[name], world, client_for, "x.pdf", PDF)
    for name, kind in KINDS.items():
        record = kind.records().get()
        technique = record if name == "scan" else record.technique
        page = client_for("yang").get(reverse("techniques:manage-detail", args=[technique.pk])).content.decode()
        assert kind.url(record) in page, name
        assert "/media/" not in page and settings.MEDIA_URL not in page


def test_a_row_stored_before_its_type_was_recorded_is_served_by_its_bytes(kind, world, client_for):
    _upload(kind, world, client_for, "x.pdf", PDF)
    record = kind.records().get()
    kind.model.objects.filter(pk=record.pk).update(**{kind.type_field: ""})
    response = client_for(kind.keeper).get(kind.url(record))
    assert response["Content-Type"] == "application/pdf"
    # A file kept under the uploader's name before the platform chose names: what it is decides.
    legacy = default_storage.save(f"{kind.prefix}/2024/01/报告.pdf", ContentFile(HTML))
    kind.model.objects.filter(pk=record.pk).update(**{kind.file_field: legacy})
    response = client_for(kind.keeper).get(kind.url(record))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment") and ".bin" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
