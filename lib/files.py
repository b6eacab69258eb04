"""Uploaded files, in and out, in one place (issue 13 §1).

In: a file is what its first bytes say it is, never what its name says. `accept_upload()` checks
the content against the kinds a field takes and its size limit, refuses archives where a document
is expected (a Word document is a ZIP: it is opened, checked as a zip bomb would be, and must be a
Word document without macros), and renames the upload to `upload.<extension of what it is>`, so
that `ServerName` — the `upload_to` of every FileField — stores it as `<uuid>.<extension>`. The
caller stores the returned type beside the file.

Out: `serve_file()` is the only way a stored file reaches a browser. The caller has checked
permission; the helper answers with the stored type (never a guess from the name), inline only for
images, PDFs and video, as an attachment otherwise, with `nosniff`, a sandboxing CSP and no caching
of private files. MEDIA_ROOT is never served by URL: behind nginx, FILES_X_ACCEL_PREFIX hands the
bytes to nginx's internal location once the view has said yes.
"""

from __future__ import annotations

import posixpath
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

MB = 1024 * 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"
MP4 = "video/mp4"
WEBM = "video/webm"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"

SIGNATURES = [
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"PK\x03\x04", ZIP),
    (b"\x1aE\xdf\xa3", WEBM),
]

# What each type is called to a person, and the extension the platform gives it.
LABELS = {
    PDF: "PDF",
    JPEG: "JPEG",
    PNG: "PNG",
    GIF: "GIF",
    WEBP: "WebP",
    MP4: "MP4",
    WEBM: "WebM",
    ZIP: "ZIP",
    DOCX: "Word（.docx）",
    XLSX: "Excel（.xlsx）",
    CSV: "CSV",
}
EXTENSIONS = {
    PDF: "pdf",
    JPEG: "jpg",
    PNG: "png",
    GIF: "gif",
    WEBP: "webp",
    MP4: "mp4",
    WEBM: "webm",
    ZIP: "zip",
    DOCX: "docx",
    XLSX: "xlsx",
    CSV: "csv",
}
KNOWN_EXTENSIONS = set(EXTENSIONS.values())
# Shown in the page (an <img>, a <video>, the browser's PDF viewer); everything else downloads.
VIEWABLE = {PDF, JPEG, PNG, GIF, WEBP, MP4, WEBM}

# The kinds a field takes, and their size limits. A field names one of these or its own set.
DOCUMENT = {PDF, JPEG, PNG}
IMAGE = {JPEG, PNG, GIF, WEBP}
VIDEO = {MP4, WEBM}
LIMITS = {"document": 20 * MB, "image": 10 * MB, "video": 500 * MB}

# A Word document unpacks to a few MB; one that unpacks to more than this is a bomb, not a paper.
MAX_DOCUMENT_EXPANDED = 50 * MB

# A stored file shown in its own tab may not run anything, load anything or be framed elsewhere.
# Chromium's and Firefox's PDF viewers do not open under `sandbox`, so a PDF gets the rest of it.
CSP_FILE = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"
CSP_PDF = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
)


def sniff(head: bytes) -> str | None:
    """The type the first 16 bytes say; a ZIP is only "a ZIP" here (see identify())."""
    for magic, mime in SIGNATURES:
        if head.startswith(magic):
            return mime
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _read_all(upload) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    data = upload.read()
    upload.seek(position)
    return data


def identify(upload, *, field_label: str) -> str | None:
    """What the upload is. A ZIP is opened (from its directory; nothing is unpacked) and is a Word
    document only if it has the parts of one and no macros; a zip bomb is refused here."""
    from lib.errors import ApplicationError
    from lib.xlsx import open_zip

    position = upload.tell() if hasattr(upload, "tell") else 0
    head = upload.read(16)
    upload.seek(position)
    mime = sniff(head)
    if mime != ZIP:
        return mime
    try:
        archive = open_zip(_read_all(upload), label=field_label)
    except ApplicationError as exc:
        raise ValidationError(str(exc.message)) from None
    names = {m.filename for m in archive.infolist()}
    expanded = sum(m.file_size for m in archive.infolist())
    if expanded > MAX_DOCUMENT_EXPANDED:
        raise ValidationError(
            _("%(label)s：解压后共 %(size)s MB，超过文档的 %(limit)s MB 上限，疑似压缩炸弹，已拒绝")
            % {"label": field_label, "size": f"{expanded / MB:,.0f}", "limit": MAX_DOCUMENT_EXPANDED // MB}
        )
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        if "word/vbaProject.bin" in names:
            raise ValidationError(
                _("%(label)s：含宏的 Word 文档不能上传，请另存为不含宏的 .docx") % {"label": field_label}
            )
        return DOCX
    return ZIP


def _names(allowed: set[str]) -> str:
    return "、".join(sorted(LABELS.get(m, m) for m in allowed))


def check_upload(upload, *, allowed: set[str], field_label: str, max_bytes: int = 50 * MB) -> str:
    """The type of the upload by its content, or a ValidationError naming the field and the rule."""
    if upload.size == 0:
        raise ValidationError(_("%(label)s：文件是空的") % {"label": field_label})
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(label)s：文件不能超过 %(limit)s MB") % {"label": field_label, "limit": f"{max_bytes / MB:g}"}
        )
    mime = identify(upload, field_label=field_label)
    if mime not in allowed:
        if mime == ZIP:
            raise ValidationError(
                _("%(label)s：压缩包不能作为文档上传，请上传 %(names)s 文件")
                % {"label": field_label, "names": _names(allowed)}
            )
        raise ValidationError(
            _("%(label)s：文件内容不是允许的类型（%(names)s），请勿仅修改扩展名")
            % {"label": field_label, "names": _names(allowed)}
        )
    return mime


def accept_upload(upload, *, allowed: set[str], field_label: str, max_bytes: int = 50 * MB) -> str:
    """check_upload(), then the upload is renamed to what it is: stored through a FileField whose
    upload_to is ServerName, it becomes `<uuid>.<extension>`. Returns the type to store."""
    mime = check_upload(upload, allowed=allowed, field_label=field_label, max_bytes=max_bytes)
    upload.name = f"upload.{EXTENSIONS[mime]}"
    return mime


@deconstructible
class ServerName:
    """upload_to for every FileField: `<prefix>/<year>/<month>/<uuid>.<extension>`. The extension
    is the one accept_upload() gave (or the platform's own for files it writes); any other name
    the sender chose is dropped."""

    def __init__(self, prefix: str):
        self.prefix = prefix.strip("/")

    def __call__(self, instance, filename: str) -> str:
        extension = posixpath.splitext(filename)[1].lstrip(".").lower()
        if extension not in KNOWN_EXTENSIONS:
            extension = "bin"
        return f"{self.prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"

    def __eq__(self, other) -> bool:
        return isinstance(other, ServerName) and other.prefix == self.prefix


def stored_type(field) -> str:
    """The type of a stored file by its bytes: for rows stored before their type was recorded."""
    with field.open("rb") as handle:
        head = handle.read(16)
    mime = sniff(head)
    if mime == ZIP:
        return ZIP if not field.name.endswith(".docx") else DOCX
    return mime or "application/octet-stream"


def serve_file(field, *, content_type: str = "", download_name: str, private: bool = True) -> HttpResponse:
    """The one way a stored file leaves the platform. Permission has been checked by the caller;
    `content_type` is the type stored at upload (a blank one is read from the file's bytes).
    `download_name` is what the person's browser saves it as; its extension is made the type's."""
    if not field:
        raise Http404
    if content_type not in EXTENSIONS:
        try:
            content_type = stored_type(field)
        except FileNotFoundError:
            raise Http404 from None
    inline = content_type in VIEWABLE
    stem = download_name.rsplit("/", 1)[-1]
    # Whatever extension the name carries goes: the type decides it.
    stem = posixpath.splitext(stem)[0]
    filename = f"{stem or 'file'}.{EXTENSIONS.get(content_type, 'bin')}"
    accel = getattr(settings, "FILES_X_ACCEL_PREFIX", "")
    if accel:
        # nginx sends the bytes from an `internal` location; it never serves MEDIA_ROOT by itself.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(field.name)
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    else:
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP_PDF if content_type == PDF else CSP_FILE
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=3600"
    return response


# --- files and the step's transaction --------------------------------------------------------------
#
# A file is written to storage at once, while the row that names it commits or rolls back with its
# step. So a step that stores a file and then fails would leave an orphan, and a step that replaces
# a file and then fails would leave its row naming a file already deleted.


@contextmanager
def stored_files_undone_on_failure() -> Iterator[list[str]]:
    """Around a step (outside its atomic block): the names appended to the yielded list are files
    the step stored; when the step fails they are deleted again."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def delete_after_commit(name: str) -> None:
    """A file the step replaces: deleted only once the step has committed (never when it rolls
    back, for then the row still names it)."""
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
