"""Upload checks by content, not by name: a file is what its first bytes say it is."""

from __future__ import annotations

from django.core.exceptions import ValidationError

SIGNATURES = [
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"GIF87a", "image/gif", "GIF"),
    (b"GIF89a", "image/gif", "GIF"),
    (b"PK\x03\x04", "application/zip", "ZIP/Office"),
    (b"\x1aE\xdf\xa3", "video/webm", "WebM"),
]


def sniff(head: bytes) -> str | None:
    for magic, mime, _label in SIGNATURES:
        if head.startswith(magic):
            return mime
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_upload(upload, *, allowed: set[str], field_label: str, max_bytes: int = 50 * 1024 * 1024) -> str:
    """Returns the detected content type or raises a ValidationError naming the field and rule."""
    if upload.size > max_bytes:
        raise ValidationError(f"{field_label}：文件不能超过 {max_bytes // (1024 * 1024)} MB")
    position = upload.tell() if hasattr(upload, "tell") else 0
    head = upload.read(16)
    upload.seek(position)
    mime = sniff(head)
    if mime not in allowed:
        names = "、".join(
            sorted(
                {label for _m, m, label in SIGNATURES if m in allowed} | ({"MP4"} if "video/mp4" in allowed else set())
            )
        )
        raise ValidationError(f"{field_label}：文件内容不是允许的类型（{names}），请勿仅修改扩展名")
    return mime
