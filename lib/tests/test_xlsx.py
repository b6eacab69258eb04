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


# --- read_sheet: the fuller guard ---------------------------------------------------------------

import datetime  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lib.xlsx import cell_text, read_sheet  # noqa: E402


def _workbook(rows, *, title="数据", extra_sheets=(), merge=None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    for name in extra_sheets:
        workbook.create_sheet(name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_read_sheet_locates_formulas_and_merged_cells():
    data = _workbook([["名称", "数量"], ["甲", "=1+1"], ["乙", 3]], merge="A3:B4")
    sheet = read_sheet(data)
    assert sheet.name == "数据" and sheet.rows[0] == ["名称", "数量"]
    assert sheet.formulas == {(2, 1): "=1+1"}
    assert sheet.merges == [(3, 0, 4, 1, "A3:B4")]
    assert sheet.content_rows == 3


def test_read_sheet_prefers_the_named_sheet_and_skips_the_lists():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "下拉选项"
    workbook.active.append(["选项"])
    workbook.create_sheet("说明").append(["说明文字"])
    workbook.create_sheet("技术申报").append(["技术名称"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_sheet(buffer.getvalue(), prefer="技术申报").rows == [["技术名称"]]
    assert read_sheet(buffer.getvalue(), skip={"下拉选项"}).name == "说明"


def test_read_sheet_refuses_what_check_container_refuses_and_passwords():
    with pytest.raises(ApplicationError, match="可能是把 .xls 改了扩展名"):
        read_sheet(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * (50 * 1024 * 1024)})
    with pytest.raises(ApplicationError, match="疑似压缩炸弹"):
        read_sheet(bomb)
    encrypted = bytearray(_workbook([["a"]]))
    encrypted[6] |= 0x1  # the first local header's "encrypted" flag
    central = encrypted.rfind(b"PK\x01\x02")
    while central != -1:
        encrypted[central + 8] |= 0x1
        central = encrypted.rfind(b"PK\x01\x02", 0, central)
    with pytest.raises(ApplicationError, match="设置了密码"):
        read_sheet(bytes(encrypted))


def test_read_sheet_refuses_content_far_below_the_data_before_reading_it():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["名称"])
    workbook.active["C1048000"] = "遗留"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ApplicationError, match="第 1,048,000 行、第 C 列，数据区域过大"):
        read_sheet(buffer.getvalue())
    with pytest.raises(ApplicationError, match="数据行数为 3 行，超过单次导入上限 2 行"):
        read_sheet(_workbook([["名称"], ["甲"], ["乙"], ["丙"]]), max_rows=2, max_cells=3)


def test_dates_and_numbers_read_as_the_text_a_person_sees():
    data = _workbook([[datetime.date(1998, 5, 1), 12.0, 13903591234, True, datetime.datetime(2024, 5, 1, 8, 30)]])
    assert [cell_text(v) for v in read_sheet(data).rows[0]] == [
        "1998-05-01",
        "12",
        "13903591234",
        "是",
        "2024-05-01 08:30",
    ]


# Hypothesis: whatever the bytes, the guard answers with a Chinese refusal or a sheet, never a
# crash of the reader underneath.
_REAL = _workbook([["名称", "数量"], ["甲", 1]])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b)))
def test_arbitrary_bytes_are_refused_with_a_message(data):
    with pytest.raises(ApplicationError) as excinfo:
        read_sheet(data)
    assert excinfo.value.message


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_REAL) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_damaged_workbook_is_refused_or_read_never_crashes(flips):
    damaged = bytearray(_REAL)
    for position, value in flips:
        damaged[position] = value
    try:
        sheet = read_sheet(bytes(damaged))
    except ApplicationError as exc:
        assert exc.message
    else:
        assert isinstance(sheet.rows, list)


_TEXT = st.text(alphabet=st.sampled_from("推拿艾灸积滞脾虚证abcXYZ0123456789 、，"), min_size=1, max_size=12).filter(
    lambda s: s.strip() and not s.strip().isdigit()
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.one_of(_TEXT, st.integers(-(10**9), 10**9)), min_size=1, max_size=5), min_size=1, max_size=6)
)
def test_what_is_written_reads_back_as_the_same_text(rows):
    sheet = read_sheet(_workbook(rows))
    assert [[cell_text(v) for v in row[: len(rows[i])]] for i, row in enumerate(sheet.rows)] == [
        [cell_text(v) for v in row] for row in rows
    ]
    assert sheet.formulas == {} and sheet.merges == []


@given(st.text(max_size=30))
def test_cell_text_of_text_is_the_text_trimmed(text):
    assert cell_text(text) == text.replace("\r\n", "\n").strip()


@given(st.integers(-(10**14), 10**14))
def test_cell_text_of_a_whole_float_has_no_decimal_point(number):
    assert cell_text(float(number)) == str(number)


def test_a_zip_asking_for_a_version_the_reader_lacks_is_refused_as_damaged():
    # Found by the damaged-workbook property: the directory's "version needed" byte raised
    # NotImplementedError from the standard library's reader.
    damaged = bytearray(_REAL)
    directory = damaged.rfind(b"PK\x01\x02")
    damaged[directory + 6] = 64  # version needed to extract: 6.4
    with pytest.raises(ApplicationError) as excinfo:
        read_sheet(bytes(damaged))
    assert excinfo.value.message
