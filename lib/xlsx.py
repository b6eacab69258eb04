"""Safety checks on an uploaded .xlsx before any reader opens it: an `.xls` renamed `.xlsx`, a
damaged file, or a zip bomb is refused with a Chinese message, cheaply, from the ZIP directory.

(techniques/importing.py has a fuller version that also scans the sheet XML for formulas and
merged cells; the two should become one here.)"""

from __future__ import annotations

import io
import zipfile

from lib.errors import ApplicationError

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024  # small parts compress well legitimately; only large ones can bomb
MAX_MEMBERS = 1000


def check_container(data: bytes) -> None:
    if not data:
        raise ApplicationError("文件是空的（0 字节），请选择填写好的 .xlsx 文件")
    if not data.startswith(b"PK\x03\x04"):
        raise ApplicationError("文件不是 .xlsx 格式（可能是把 .xls 改了扩展名），请在 Excel 中另存为 .xlsx")
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ApplicationError("文件已损坏，无法作为 .xlsx 打开；请在 Excel 中打开后重新「另存为 .xlsx」") from None
    if len(members) > MAX_MEMBERS:
        raise ApplicationError(f"文件包含 {len(members):,} 个部件，疑似压缩炸弹，已拒绝")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise ApplicationError(f"文件解压后共 {total / 1024 / 1024:,.0f} MB，超过 200 MB 上限，疑似压缩炸弹，已拒绝")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise ApplicationError(
                f"文件中「{member.filename}」的压缩比为 {ratio:,.0f}:1（上限 {MAX_RATIO}:1），疑似压缩炸弹，已拒绝"
            )
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise ApplicationError("文件不是 Excel 工作簿（缺少 xl/workbook.xml），请在 Excel 中另存为 .xlsx")
