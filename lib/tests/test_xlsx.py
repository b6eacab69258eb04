import io
import zipfile

import pytest

from lib.errors import ApplicationError
from lib.xlsx import check_container


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_a_renamed_xls_is_refused():
    with pytest.raises(ApplicationError) as excinfo:
        check_container(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "可能是把 .xls 改了扩展名" in excinfo.value.message


def test_a_zip_bomb_is_refused_before_anything_reads_it():
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * (50 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ApplicationError) as excinfo:
        check_container(bomb)
    assert "压缩炸弹" in excinfo.value.message and "sheet1.xml" in excinfo.value.message


def test_an_empty_or_damaged_file_is_refused():
    with pytest.raises(ApplicationError, match="0 字节"):
        check_container(b"")
    with pytest.raises(ApplicationError, match="已损坏"):
        check_container(b"PK\x03\x04 truncated")


def test_a_zip_that_is_not_a_workbook_is_refused():
    with pytest.raises(ApplicationError, match="缺少 xl/workbook.xml"):
        check_container(_zip({"word/document.xml": b"<w/>"}))


def test_a_real_workbook_passes():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    check_container(buffer.getvalue())
