"""Reading an uploaded .xlsx safely. The file is untrusted: before any spreadsheet library opens
it, the ZIP container is checked (magic number, declared and actual sizes, compression ratios,
passwords), so an `.xls` renamed `.xlsx`, a damaged file or a zip bomb is refused cheaply with a
Chinese message; the sheet's XML is then scanned for formulas, merged cells and the extent of the
data, so that a sheet reaching row 1,048,576 is refused before a reader allocates it densely.

- `check_container(data)` — the container checks only; `open_zip(data, label=...)` the same
  limits for any uploaded ZIP (the apprenticeship batch's documents).
- `read_sheet(data, ...)` — the container checks, the scan, and the sheet's rows; every refusal
  is an `ApplicationError` whose message names the problem and what to do.
- `cell_text(value)` — a cell as the text a person sees (numbers without ".0", dates as
  2024-05-01, TRUE as 是), so that a date or a number typed into a text column stays text.

Writing: every workbook and CSV the platform hands out goes through `safe_cell(value)` (OWASP's
advice against formula injection): text starting with =, +, -, @, a tab or a carriage return gets
a leading ' so that Excel, WPS or LibreOffice show it instead of evaluating it (a declaration named
`=HYPERLINK("http://evil","点此")` must not become a link in a clerk's spreadsheet); numbers, dates
and booleans stay what they are. `SafeWorkbook` is an openpyxl Workbook whose sheets pass every
appended row and every `cell(value=...)` through it and store text as text (data type "s").
Reading strips that quote again (`cell_text`), so an error workbook filled in and uploaded again
reads as it was first typed.
"""

from __future__ import annotations

import datetime
import decimal
import html
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from lib.errors import ApplicationError

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024  # small parts compress well legitimately; only large ones can bomb
MAX_MEMBERS = 1000
# The dense cell area a spreadsheet reader will allocate: (last row with content) × (last column).
MAX_CELLS = 3_000_000

YES, NO = "是", "否"
EMPTY = "文件是空的（0 字节），请选择填写好的 .xlsx 文件"
NOT_XLSX = "文件不是 .xlsx 格式（可能是把 .xls 改了扩展名），请在 Excel 中另存为 .xlsx"
CORRUPT = "文件已损坏，无法作为 .xlsx 打开；请在 Excel 中打开后重新「另存为 .xlsx」"
NOT_WORKBOOK = "文件不是 Excel 工作簿（缺少 xl/workbook.xml），请在 Excel 中另存为 .xlsx"
ENCRYPTED = "文件设置了密码，请在 Excel 中取消密码后另存为 .xlsx"
TOO_MANY_ROWS = "数据行数为 {count:,} 行，超过单次导入上限 {limit:,} 行，请拆分为多个文件后分别导入"
FORMULA = "该单元格是公式，请粘贴为数值（复制后「选择性粘贴 → 数值」）"
MERGED = "合并单元格（{ref}）：请取消合并，并在每一行分别填写完整"
TOO_WIDE = "工作表的内容一直延伸到第 {row:,} 行、第 {column} 列，数据区域过大；请删除表格下方和右侧多余的内容后重新保存"


def open_zip(data: bytes, *, label: str = "文件", not_zip: str = NOT_XLSX, corrupt: str = CORRUPT) -> zipfile.ZipFile:
    """An untrusted ZIP, checked from its directory alone before anything is decompressed: not a
    ZIP at all, damaged, or a zip bomb (too many parts, too large unpacked, a part compressed too
    well). `label` names the upload in the messages ("文件", "材料压缩包")."""
    if not data.startswith(b"PK\x03\x04"):
        raise ApplicationError(not_zip)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError, EOFError):
        # NotImplementedError: a directory entry asking for a ZIP version the reader lacks.
        raise ApplicationError(corrupt) from None
    if len(members) > MAX_MEMBERS:
        raise ApplicationError(
            _("%(label)s包含 %(count)s 个部件（上限 %(limit)s），疑似压缩炸弹，已拒绝")
            % {"label": label, "count": f"{len(members):,}", "limit": f"{MAX_MEMBERS:,}"}
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise ApplicationError(
            _("%(label)s解压后共 %(size)s MB，超过 200 MB 上限，疑似压缩炸弹，已拒绝")
            % {"label": label, "size": f"{total / 1024 / 1024:,.0f}"}
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise ApplicationError(
                _("%(label)s中「%(name)s」的压缩比为 %(ratio)s:1（上限 %(limit)s:1），疑似压缩炸弹，已拒绝")
                % {"label": label, "name": member.filename, "ratio": f"{ratio:,.0f}", "limit": MAX_RATIO}
            )
    return archive


def _members(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The workbook's container, checked: what check_container() promises."""
    if not data:
        raise ApplicationError(EMPTY)
    archive = open_zip(data)
    members = archive.infolist()
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise ApplicationError(NOT_WORKBOOK)
    return archive, members


def check_container(data: bytes) -> None:
    """Refuses an empty file, a non-ZIP (an .xls renamed .xlsx), a damaged ZIP, a zip bomb (too
    many parts, too large unpacked, a part compressed too well) and a ZIP that is not a workbook,
    from the ZIP directory alone: nothing is decompressed."""
    _members(data)


@dataclass
class Sheet:
    name: str
    rows: list[list]  # as the reader gives them: str, int, float, bool, date, datetime, time, None
    formulas: dict[tuple[int, int], str]  # (Excel row, column index from 0) → "=formula"
    merges: list[tuple[int, int, int, int, str]]  # first row, first col, last row, last col, "A2:B3"
    content_rows: int  # rows with any content, the header row included


def read_sheet(
    data: bytes,
    *,
    prefer: str = "",
    skip: Collection[str] = (),
    max_rows: int | None = None,
    max_cells: int = MAX_CELLS,
) -> Sheet:
    """The rows of one sheet of an untrusted .xlsx, with where its formulas and merged cells are.

    The sheet is the one named `prefer`, or else the first visible sheet not named in `skip`.
    Every part is decompressed once through zipfile (which checks its CRC and never yields more
    than the declared size) before the reader sees the file. A sheet whose content reaches beyond
    `max_cells` cells is refused: with more than `max_rows` data rows, by saying so.
    """
    archive, members = _members(data)
    parts = _parts(archive, members)
    name, path = _find_sheet(parts, prefer=prefer, skip=skip)
    formulas, merges, content_rows, max_col = _scan(parts[path])
    del parts
    last_row = max(content_rows, default=0)
    if last_row * max_col > max_cells:
        if max_rows is not None and len(content_rows) - 1 > max_rows:
            raise ApplicationError(TOO_MANY_ROWS.format(count=len(content_rows) - 1, limit=max_rows))
        raise ApplicationError(TOO_WIDE.format(row=last_row, column=get_column_letter(max_col)))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        finally:
            workbook.close()
    except Exception:  # the reader's own error types: any of them means the file is damaged
        raise ApplicationError(CORRUPT) from None
    return Sheet(name=name, rows=rows, formulas=formulas, merges=merges, content_rows=len(content_rows))


def cell_text(value) -> str:
    """A cell as the text a person sees: 12.0 → "12", a date → "2024-05-01", TRUE → "是". A
    quote that safe_cell() put before a leading =, +, -, @ is taken off again."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value[:1] == QUOTE and value[1:2] in FORMULA_STARTS:
            value = value[1:]
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M").removesuffix(" 00:00")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value).strip()


# --- writing: how much at once -------------------------------------------------------------------

EXPORT_INLINE_MAX_ROWS = 2000


def export_inline_max_rows() -> int:
    """The most rows an export writes during the request (settings.EXPORT_INLINE_MAX_ROWS, default
    2,000); a larger selection is written by a background job with a progress bar (issue 13 §14)."""
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", EXPORT_INLINE_MAX_ROWS))


# --- writing: formula injection ------------------------------------------------------------------

# What makes Excel, WPS or LibreOffice read a typed cell (or a CSV field) as a formula: OWASP's list.
FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"
NUMBERS = (int, float, decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)


def safe_cell(value):
    """A value as a spreadsheet or CSV may hold it: text starting with =, +, -, @, a tab or a
    carriage return gets a leading ' (shown, never evaluated); None, booleans, numbers (a negative
    number too) and dates are returned unchanged; anything else becomes its text, checked alike."""
    if value is None or isinstance(value, (bool, *NUMBERS)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text[:1] in FORMULA_STARTS:
        return QUOTE + text
    return text


def text_cell(sheet, value) -> Cell:
    """A cell holding `value` through safe_cell(), text stored as a string (data type "s"), so
    that no writer can turn it into a formula."""
    value = safe_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _safe_content(sheet, value):
    if isinstance(value, Cell):
        if isinstance(value.value, str | Promise):
            value.value = safe_cell(value.value)
            value.data_type = "s"
        return value
    # Plain text as it is: openpyxl stores any text not starting with "=" as a string (data type
    # "s"), and after safe_cell none does; a Cell per value would cost half as much time again.
    return safe_cell(value)


def safe_row(sheet, row):
    """A row for `sheet.append()` with every text neutralised (lists, tuples, generators, dicts)."""
    if isinstance(row, dict):
        return {key: _safe_content(sheet, value) for key, value in row.items()}
    return [_safe_content(sheet, value) for value in row]


class _SafeSheet(Worksheet):
    def append(self, iterable):
        super().append(safe_row(self, iterable))

    def cell(self, row, column, value=None):
        cell = super().cell(row, column)
        if value is not None:
            _set(cell, value)
        return cell

    def __setitem__(self, key, value):
        _set(self[key], value)


def _set(cell: Cell, value) -> None:
    value = safe_cell(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


class _SafeWriteOnlySheet(WriteOnlyWorksheet):
    def append(self, row):
        super().append(safe_row(self, row))


class SafeWorkbook(Workbook):
    """An openpyxl Workbook for everything the platform writes: its sheets neutralise text on
    `append()`, `cell(value=...)` and `sheet["A1"] = ...` (not on `sheet["A1"].value = ...`)."""

    def __init__(self, write_only: bool = False, iso_dates: bool = False):
        super().__init__(write_only=write_only, iso_dates=iso_dates)
        if not write_only:
            self._sheets = [_SafeSheet(self)]

    def create_sheet(self, title=None, index=None):
        sheet = (
            _SafeWriteOnlySheet(parent=self, title=title) if self.write_only else _SafeSheet(parent=self, title=title)
        )
        self._add_sheet(sheet=sheet, index=index)
        return sheet


# --- the parts and the sheet's XML ----------------------------------------------------------------

_TAG_ATTRS = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_TAGS = re.compile(rb"<[^>]*>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_CELL_REF = re.compile(rb"([A-Z]{1,3})(\d+)")
_FILLED_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>/]*>')
_PREFIXED_CELL = re.compile(rb"<\w+:c\s")


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: html.unescape(v.decode("utf-8", "replace")) for k, v in _TAG_ATTRS.findall(raw)}


def column_index(letters: bytes | str) -> int:
    """ "A" → 0, "AB" → 27."""
    index = 0
    for char in letters if isinstance(letters, str) else letters.decode():
        index = index * 26 + ord(char) - 64
    return index - 1


def _parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Decompresses every part (checking its CRC) and keeps the XML needed to find and scan the
    sheet: a part that lies about its size fails here instead of inside the reader."""
    parts: dict[str, bytes] = {}
    try:
        for member in members:
            if member.flag_bits & 0x1:
                raise ApplicationError(ENCRYPTED)
            keep = (
                member.filename.endswith(".rels")
                or member.filename.startswith("xl/worksheets/")
                or member.filename == "xl/workbook.xml"
            )
            chunks = []
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    if keep:
                        chunks.append(chunk)
            if keep:
                parts[member.filename] = b"".join(chunks)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, RuntimeError, OSError):
        raise ApplicationError(CORRUPT) from None
    return parts


def _find_sheet(parts: dict[str, bytes], *, prefer: str, skip: Collection[str]) -> tuple[str, str]:
    """(sheet name, path of its XML part)."""
    sheets = [_attrs(m) for m in _SHEET_TAG.findall(parts["xl/workbook.xml"])]
    rels = {
        a.get("Id"): a.get("Target", "")
        for a in map(_attrs, _REL_TAG.findall(parts.get("xl/_rels/workbook.xml.rels", b"")))
    }
    chosen = next((s for s in sheets if prefer and s.get("name") == prefer), None)
    if chosen is None:
        chosen = next((s for s in sheets if s.get("state", "visible") == "visible" and s.get("name") not in skip), None)
    if chosen is None:
        raise ApplicationError(
            f"找不到工作表「{prefer}」，请使用平台下载的模板填写" if prefer else "文件中没有可读取的工作表"
        )
    target = rels.get(chosen.get("id"), "")
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    if path not in parts:
        raise ApplicationError(CORRUPT)
    return chosen["name"], path


def _scan(xml: bytes) -> tuple[dict[tuple[int, int], str], list, set[int], int]:
    """Formulas, merged ranges, the rows with content and the widest column with content, read
    from the sheet's XML without building the sheet (which a reader does densely)."""
    merges = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(xml) if b"mergeCell" in xml else []:
        last_col, last_row = last_col or first_col, last_row or first_row
        ref = f"{first_col.decode()}{first_row.decode()}:{last_col.decode()}{last_row.decode()}"
        merges.append((int(first_row), column_index(first_col), int(last_row), column_index(last_col), ref))
    # Plain byte searches first: a regular expression over 15 MB costs tenths of a second each.
    prefixed = b":c " in xml and _PREFIXED_CELL.search(xml)
    formula = b"<f>" in xml or b"<f " in xml or b"<f/>" in xml
    if prefixed or formula or xml.count(b"<c ") != xml.count(b'<c r="'):
        formulas, content_rows, max_col = _scan_cells(xml)
        return formulas, merges, content_rows, max_col
    # The common case: no formulas, every cell written as <c r="B7" ...>. Two passes of simple
    # expressions over a 10,000-row sheet take a fraction of a second; a self-closing cell is empty.
    cells = set(_FILLED_CELL.findall(xml))
    rows = {int(row) for _letters, row in cells}
    widest = max({letters for letters, _row in cells}, key=lambda c: (len(c), c), default=b"")
    return {}, merges, rows, column_index(widest) + 1 if widest else 0


def _scan_cells(xml: bytes) -> tuple[dict[tuple[int, int], str], set[int], int]:
    """The slow, thorough walk: cells without references, and where each formula is."""
    formulas: dict[tuple[int, int], str] = {}
    content_rows: set[int] = set()
    max_col = 0
    row_number = 0
    for row_match in _ROW.finditer(xml):
        row_attrs, body = row_match.groups()
        number = _attrs(row_attrs).get("r")
        row_number = int(number) if number and number.isdigit() else row_number + 1
        if not body:
            continue
        col = -1
        for cell in _CELL.finditer(body):
            cell_attrs, content = cell.groups()
            ref = _CELL_REF.fullmatch(_attrs(cell_attrs).get("r", "").encode())
            col = column_index(ref.group(1)) if ref else col + 1
            if not content:
                continue
            formula = _FORMULA.search(content)
            if formula:
                text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
                formulas[(row_number, col)] = f"={text}" if text else "（共享公式）"
            elif not _TAGS.sub(b"", content).strip():
                continue
            content_rows.add(row_number)
            max_col = max(max_col, col + 1)
    return formulas, content_rows, max_col
