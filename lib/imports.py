"""One pipeline for the spreadsheet imports (technique declarations, the apprenticeship batch, case
records): an importer is a column spec plus a write function.

- `Column`, `Choices`, `Spec` — what the sheet holds: each column's header (and aliases), key,
  whether it is required, a parser that turns the cell into a value or raises `Invalid` with the
  rule, its drop-down list for the template and its help text.
- `run(spec, data, write=...)` — reads the upload through lib/xlsx (the guard for untrusted files),
  matches the header row, skips explanatory rows under it (「说明：…」), checks every cell and
  every row, and calls `write(rows, progress)` in one transaction only when no row has an issue:
  all or nothing. `progress(done, total, stage)` is how a background job follows it.
- `Issue` — one problem: the row as Excel numbers it, the column's header, the value, the rule.
- `error_workbook(issues)` — the uploaded rows with each bad cell filled and commented, and a sheet
  listing the issues, for the person fixing the file. Issues and error workbooks are kept (job
  results, job files): an ID number in them is masked (first 6 and last 4 characters), whether its
  column says so (`Column.mask`) or it merely looks like one, so that a number that failed its
  checksum is never stored in clear.
- `template(spec)` — the empty template: headers with their help, the drop-down lists.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lib.errors import ApplicationError
from lib.identifiers import mask_resident_id
from lib.xlsx import FORMULA, MAX_CELLS, MERGED, TOO_MANY_ROWS, SafeWorkbook, cell_text, read_sheet, text_cell

Progress = Callable[[int, int, str], None]
STAGE_LABELS = {"check": "校验", "write": "写入"}
ISSUES_SHEET = "导入错误"
AUTHOR = "传承平台"
HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL = PatternFill("solid", fgColor="E7E6E6")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
WRAP = Alignment(wrap_text=True, vertical="top")
# A row under the header that explains the columns instead of holding data (the case platforms'
# layout has one): its first filled cell starts with 说明： or 注：.
EXPLANATION = re.compile(r"^(?:填写)?(?:说明|注意|注|备注)\s*[:：]")
MAX_CELL_TEXT = 32_767  # what Excel keeps in one cell
# Comments cost the writer about half a millisecond each; beyond this many bad cells, the rest are
# only filled (the issues sheet lists every rule).
MAX_COMMENTS = 2_000
HEADER_SEARCH = 10
# A resident ID number anywhere in a kept text (an issue's value, a cell of the error workbook):
# masked whichever column it was typed in, whether or not its check digit is right — 18 characters,
# the 15 of a first-generation card, or one typed a digit short or long of either. Phones (11
# digits) and region codes (12) are not touched.
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,18}[0-9Xx]?(?![0-9A-Za-z])")
CELL_TYPES = (type(None), str, int, float, datetime.date, datetime.time, datetime.timedelta)


def required_rule() -> str:
    return _("必填项，不能为空")


def choice_rule(choices: Sequence[str]) -> str:
    return _("应从下拉列表中选择：%(choices)s") % {"choices": "、".join(choices)}


class Invalid(Exception):
    """A parser's refusal: `rule` says what the cell should hold. `value`, when given, is shown in
    the issue instead of the cell's text."""

    def __init__(self, rule: str, *, value: str | None = None):
        super().__init__(rule)
        self.rule = str(rule)
        self.value = value


@dataclass(frozen=True)
class Issue:
    """One problem: `row` as Excel numbers it (None for the file as a whole), the column's header,
    the value as written and the rule. `cell` (the column's index from 0) places it on the sheet."""

    row: int | None
    column: str
    value: str
    rule: str
    cell: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "rule", str(self.rule))
        object.__setattr__(self, "column", str(self.column))

    def __str__(self) -> str:
        if self.row is None:
            return _("文件 · %(rule)s") % {"rule": self.rule}
        return _("第 %(row)s 行 · %(column)s · %(value)s · %(rule)s") % {
            "row": self.row,
            "column": self.column or "—",
            "value": self.value or _("（空）"),
            "rule": self.rule,
        }

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "rule": self.rule}


class Issues(list):
    """The issues of one upload. It remembers the sheet they were found in (`source`), so that
    error_workbook(issues) can mark them on a copy of the rows."""

    source: Upload | None = None


class Refused(ApplicationError):
    """The file as a whole cannot be imported (not a workbook, no header, no data, too many rows):
    no row is looked at. `issue` is the same refusal as an Issue, for importers that list it."""

    def __init__(self, message: str, *, row: int | None = None, column: str = ""):
        super().__init__(str(message))
        self.issue = Issue(row, column, "", self.message)


@dataclass(frozen=True, eq=False)
class Choices:
    """A drop-down list: `values` (or a function giving them, for lists kept in the database) go to
    the template's hidden lists sheet under `title`. `strict` makes Excel refuse other entries;
    `listed` names the values in the help text."""

    title: str
    values: Sequence[str] | Callable[[], Sequence[str]]
    strict: bool = True
    listed: bool = True
    width: int = 16

    def resolve(self) -> list[str]:
        return [str(v) for v in (self.values() if callable(self.values) else self.values)]


@dataclass(frozen=True)
class Cell:
    """What a parser gets: the cell as text, as the reader gave it, and the importer's context."""

    text: str
    raw: Any
    context: Any = None


@dataclass(frozen=True)
class Column:
    """One column. `parse(cell)` returns the value or raises Invalid; without it the value is the
    text, which must be one of `choices` when there are any. An empty cell is never parsed."""

    key: str
    title: str
    required: bool = False
    parse: Callable[[Cell], Any] | None = None
    choices: Choices | None = None
    help: str = ""
    aliases: tuple[str, ...] = ()
    width: int = 16
    text_format: bool = False  # the template formats it as text: ID numbers, codes, phones
    max_length: int | None = None
    required_rule: str = ""
    header_optional: bool = False  # its header may be missing even when the spec wants them all
    hide_value: bool = False  # its value is not repeated in issues (a patient's name)
    # How its value appears in what is kept (issues, the error workbook), even when it is at fault:
    # mask_resident_id for ID numbers, whatever their length.
    mask: Callable[[str], str] | None = None

    @property
    def header(self) -> str:
        return f"{self.title}*" if self.required else self.title


@dataclass(frozen=True)
class Spec:
    columns: Sequence[Column]
    sheet: str = ""  # the data sheet: read first, and the template's name for it
    sheet_required: bool = False
    skip_sheets: tuple[str, ...] = ()
    # "first": row 1 holds the headers; "search": the first row naming a column of the spec,
    # among the first HEADER_SEARCH rows with content (else the first of them)
    header_row: str = "first"
    unknown: str = "refuse"  # a column the spec does not know: "refuse", "ignore", or "keep" (Row.extras)
    all_headers: bool = True  # every column's header must be there; else only the required ones
    missing_together: bool = False  # one issue naming every missing column, instead of one each
    max_rows: int = 20_000
    max_issues: int = 10_000
    max_value: int = 200  # characters of a value repeated in an issue
    no_header: str = ""
    no_data: str = ""
    lists: tuple[Choices, ...] = ()  # the order of the template's hidden lists (else as the columns use them)
    lists_sheet: str = "选项"
    # How a good cell of an uploaded row appears in the error workbook: (key or extra header, text,
    # the row's texts by key, whether the cell is at fault) → the text to show, or None for the
    # cell as uploaded. Keeps personal data out of a file that is stored.
    redact: Callable[[str, str, dict[str, str], bool], str | None] | None = None
    progress_step: int = 100
    required_mark: str = "*"  # after a required column's title, in the template and in issues

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header(self, column: Column) -> str:
        return f"{column.title}{self.required_mark}" if column.required else column.title


@dataclass
class Upload:
    """A sheet read against a spec: where each column is, which lines hold data, which cells are
    not read (formulas, merged ranges), and the issues found so far."""

    spec: Spec
    sheet: str
    rows: list[list]
    formulas: dict[tuple[int, int], str]
    header_line: int = 1
    index: dict[str, int] = field(default_factory=dict)  # column key → column index from 0
    extras: dict[str, int] = field(default_factory=dict)  # an unknown column's header → index
    data: list[tuple[int, list]] = field(default_factory=list)  # (Excel row number, cells)
    located: set[tuple[int, int]] = field(default_factory=set)
    issues: Issues = field(default_factory=Issues)
    truncated: bool = False

    def __post_init__(self):
        self.issues.source = self

    @property
    def full(self) -> bool:
        return len(self.issues) >= self.spec.max_issues

    def header_of(self, index: int) -> str:
        for key, i in self.index.items():
            if i == index:
                return self.spec.header(self.spec.column(key))
        for header, i in self.extras.items():
            if i == index:
                return header
        return _("%(letter)s 列") % {"letter": get_column_letter(index + 1)}

    def add(self, row: int | None, column: str, value: str, rule: str, *, cell: int | None = None) -> None:
        if self.full:
            self.truncated = True
            return
        self.issues.append(Issue(row, column, mask_identifiers(_clean(str(value)))[: self.spec.max_value], rule, cell))

    def fail(self, line: int, key: str, rule: str, *, value: str | None = None) -> None:
        """An issue with the column named by its key; the value defaults to the cell's text."""
        column = self.spec.column(key)
        index = self.index.get(key)
        if value is None:
            value = self.texts(line).get(key, "")
        if column.hide_value:
            value = ""
        else:
            shown = self.spec.redact(key, value, self.texts(line), True) if self.spec.redact is not None else None
            if shown is not None:
                value = shown
            elif column.mask is not None and value:
                value = column.mask(value)
        self.add(line, self.spec.header(column), value, rule, cell=index)

    def texts(self, line: int) -> dict[str, str]:
        """The cells of a line as text, by column key (and extra header)."""
        cells = self.rows[line - 1] if line - 1 < len(self.rows) else []
        where = {**self.index, **self.extras}
        return {key: cell_text(cells[i]) if i < len(cells) else "" for key, i in where.items()}


@dataclass
class Row:
    """A data row as checked: `texts` by key (every mapped column that was read), `values` by key
    (parsed; only cells without issues), `extras` (unknown columns kept, by header)."""

    line: int
    upload: Upload
    texts: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    issues: int = 0

    @property
    def clean(self) -> bool:
        return self.issues == 0

    def fail(self, key: str, rule: str, *, value: str | None = None) -> None:
        self.issues += 1
        self.upload.fail(self.line, key, rule, value=value if value is not None else self.texts.get(key))


@dataclass
class Outcome:
    ok: bool
    rows: int = 0
    issues: Issues = field(default_factory=Issues)
    truncated: bool = False
    written: Any = None


# --- reading --------------------------------------------------------------------------------------


def header_key(value) -> str:
    """A header as compared: full-width forms folded, spaces, the required mark and a trailing
    remark in brackets dropped, so 「技术名称 *」 and 「技术名称（必填）」 are 「技术名称」."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value))).rstrip("*")
    return re.sub(r"\([^()]*\)$", "", text).rstrip("*")


def read(spec: Spec, data: bytes, *, max_rows: int | None = None) -> Upload:
    """The sheet, its header mapped and its data rows found. Raises Refused when the file cannot be
    imported at all; problems with the header come back as the upload's issues (and no data rows),
    formulas and merged cells as issues located on their cells."""
    limit = spec.max_rows if max_rows is None else max_rows
    try:
        sheet = read_sheet(data, prefer=spec.sheet, skip=spec.skip_sheets, max_rows=limit, max_cells=MAX_CELLS)
    except ApplicationError as exc:
        raise Refused(exc.message) from None
    if spec.sheet_required and sheet.name != spec.sheet:
        raise Refused(_("工作簿中没有「%(sheet)s」工作表，请使用平台提供的模板") % {"sheet": spec.sheet})
    upload = Upload(spec=spec, sheet=sheet.name, rows=sheet.rows, formulas=sheet.formulas)
    filled = [line for line, cells in enumerate(sheet.rows, start=1) if _filled(cells)]
    no_header = (spec.no_header or _("工作表「%(sheet)s」第 1 行应为列标题")) % {"sheet": sheet.name}
    if spec.header_row == "first":
        if not filled or filled[0] != 1:
            raise Refused(no_header, row=1, column=_("列标题"))
    elif not filled:
        raise Refused(no_header)
    upload.header_line = filled[0]
    if spec.header_row == "search":  # below a title, say: the first row naming a column of the spec
        titles = {header_key(t) for c in spec.columns for t in (c.title, *c.aliases)}
        found = (line for line in filled[:HEADER_SEARCH] if titles & {header_key(v) for v in sheet.rows[line - 1]})
        upload.header_line = next(found, filled[0])
    _map_headers(upload)
    for first_row, first_col, _last_row, _last_col, ref in sheet.merges:
        if first_row == upload.header_line:
            upload.add(first_row, _("列标题"), ref, MERGED.format(ref=ref), cell=first_col)
    for (line, col), formula in sorted(sheet.formulas.items()):
        if line == upload.header_line:
            upload.add(line, _("列标题"), formula, FORMULA, cell=col)
    if upload.issues:
        return upload

    explanations = set()
    for line in (line for line in filled if line > upload.header_line):  # explaining the columns
        if not EXPLANATION.match(next(cell_text(c) for c in sheet.rows[line - 1] if cell_text(c))):
            break
        explanations.add(line)
    upload.data = [
        (line, sheet.rows[line - 1]) for line in filled if line > upload.header_line and line not in explanations
    ]
    if len(upload.data) > limit:
        raise Refused(TOO_MANY_ROWS.format(count=len(upload.data), limit=limit))
    if not upload.data:
        raise Refused((spec.no_data or _("工作表「%(sheet)s」中没有数据行")) % {"sheet": sheet.name})
    _locate(upload, sheet.merges, skip=explanations)
    return upload


def _filled(cells: list) -> bool:
    return any(cell_text(c) for c in cells)


def _map_headers(upload: Upload) -> None:
    spec = upload.spec
    by_title = {}
    for column in spec.columns:
        for title in (column.title, *column.aliases):
            by_title[header_key(title)] = column
    found: dict[str, list[int]] = defaultdict(list)
    header = upload.rows[upload.header_line - 1]
    below = upload.rows[upload.header_line :]
    for index, raw in enumerate(header):
        title = header_key(raw)
        letter = get_column_letter(index + 1)
        if title in by_title:
            found[by_title[title].key].append(index)
        elif spec.unknown == "keep" and title:
            upload.extras[cell_text(raw)] = index
        elif spec.unknown == "refuse" and title:
            rule = _("无法识别的列「%(title)s」；列标题须与模板一致，请下载最新模板") % {"title": cell_text(raw)}
            upload.add(upload.header_line, _("%(letter)s 列") % {"letter": letter}, cell_text(raw), rule, cell=index)
        elif spec.unknown == "refuse" and any(index < len(r) and cell_text(r[index]) for r in below):
            rule = _("该列没有列标题，下面却填写了内容；请删除该列，或填写模板中的列标题")
            upload.add(upload.header_line, _("%(letter)s 列") % {"letter": letter}, "", rule, cell=index)
    for key, indexes in found.items():
        if len(indexes) > 1:
            header_text = spec.header(spec.column(key))
            letters = "、".join(_("%(letter)s 列") % {"letter": get_column_letter(i + 1)} for i in indexes)
            rule = _("列「%(header)s」出现了 %(count)s 次（%(letters)s），每列只能出现一次") % {
                "header": header_text,
                "count": len(indexes),
                "letters": letters,
            }
            upload.add(upload.header_line, header_text, header_text, rule, cell=indexes[1])
    upload.index = {key: indexes[0] for key, indexes in found.items()}
    missing = [
        c for c in spec.columns if c.key not in found and (c.required or (spec.all_headers and not c.header_optional))
    ]
    if missing and spec.missing_together:
        rule = _("缺少 %(count)s 列：%(headers)s；请使用平台下载的最新模板") % {
            "count": len(missing),
            "headers": "、".join(spec.header(c) for c in missing),
        }
        upload.add(upload.header_line, _("列标题"), "", rule)
    elif missing:
        present = "、".join(cell_text(h) for h in header if cell_text(h)) or _("（无）")
        for column in missing:
            rule = _("缺少「%(title)s」列（现有列：%(present)s）") % {"title": column.title, "present": present}
            upload.add(upload.header_line, spec.header(column), "", rule)


def _locate(upload: Upload, merges: list, *, skip: set[int]) -> None:
    """Formulas and merged ranges, reported where they are: a formula's value is whatever Excel
    last computed, and a merged range keeps its text in its first cell only. Their cells are not
    read, so the cells under a merge are not also reported as empty. Above the header (a title)
    and in the explanations, they are nobody's business."""
    last_line = upload.data[-1][0]
    width = len(upload.rows[upload.header_line - 1])
    for (line, col), formula in sorted(upload.formulas.items()):
        if line <= upload.header_line or line in skip:
            continue
        upload.add(line, upload.header_of(col), formula, FORMULA, cell=col)
        upload.located.add((line, col))
    for first_row, first_col, last_row, last_col, ref in merges:
        if first_row <= upload.header_line or first_row in skip:
            continue
        upload.add(first_row, upload.header_of(first_col), ref, MERGED.format(ref=ref), cell=first_col)
        for line in range(first_row, min(last_row, last_line) + 1):
            for col in range(first_col, min(last_col, width) + 1):
                upload.located.add((line, col))


def check(
    upload: Upload,
    *,
    context: Any = None,
    check_row: Callable[[Row], None] | None = None,
    progress: Progress | None = None,
) -> list[Row]:
    """Every data row, cell by cell through its column, then through `check_row`."""
    spec = upload.spec
    report = progress or _silent
    # A column with a drop-down and no parser takes only the list's values (resolved once).
    choices = {c.key: c.choices.resolve() for c in spec.columns if c.choices and c.parse is None}
    allowed = {key: set(values) for key, values in choices.items()}
    total = len(upload.data)
    rows = []
    for done, (line, cells) in enumerate(upload.data, start=1):
        row = Row(line=line, upload=upload)
        for column in spec.columns:
            index = upload.index.get(column.key)
            if index is None:
                continue
            if (line, index) in upload.located:
                row.issues += 1  # reported as a formula or a merged cell
                continue
            raw = cells[index] if index < len(cells) else None
            text = row.texts[column.key] = cell_text(raw)
            if not text:
                if column.required:
                    row.fail(column.key, column.required_rule or required_rule())
                continue
            if column.max_length and len(text) > column.max_length:
                rule = _("不能超过 %(limit)s 个字，当前为 %(count)s 个字") % {
                    "limit": column.max_length,
                    "count": len(text),
                }
                row.fail(column.key, rule)
                continue
            if column.parse is not None:
                try:
                    row.values[column.key] = column.parse(Cell(text, raw, context))
                except Invalid as invalid:
                    row.fail(column.key, invalid.rule, value=invalid.value)
            elif column.key in allowed and text not in allowed[column.key]:
                row.fail(column.key, choice_rule(choices[column.key]))
            else:
                row.values[column.key] = text
        for header, index in upload.extras.items():
            if (line, index) not in upload.located:
                row.extras[header] = cell_text(cells[index]) if index < len(cells) else ""
        if check_row is not None:
            check_row(row)
        rows.append(row)
        if done % spec.progress_step == 0 or done == total:
            report(done, total, "check")
        if upload.full:
            upload.truncated = True
            break
    return rows


def run(
    spec: Spec,
    data: bytes,
    *,
    write: Callable[[list[Row], Progress], Any],
    context: Any = None,
    check_row: Callable[[Row], None] | None = None,
    check_rows: Callable[[list[Row], Upload], None] | None = None,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> Outcome:
    """Reads and checks the whole sheet; writes it, in one transaction, only when no row has an
    issue. `check_rows(rows, upload)` is for rules across rows (duplicates, one query for the
    whole file). Raises Refused when the file cannot be imported at all."""
    report = progress or _silent
    upload = read(spec, data, max_rows=max_rows)
    if not upload.data:  # the header is wrong: the rows are not looked at
        return Outcome(ok=False, issues=upload.issues, truncated=upload.truncated)
    rows = check(upload, context=context, check_row=check_row, progress=report)
    if check_rows is not None and not upload.full:
        check_rows(rows, upload)
    if upload.issues:
        upload.issues.sort(key=lambda issue: issue.row or 0)
        return Outcome(ok=False, rows=len(upload.data), issues=upload.issues, truncated=upload.truncated)
    with transaction.atomic():
        written = write(rows, report)
    return Outcome(ok=True, rows=len(rows), issues=upload.issues, written=written)


def _silent(done: int, total: int, stage: str) -> None:
    pass


# --- the error workbook ---------------------------------------------------------------------------


def error_workbook(issues: Iterable[Issue], *, source: Upload | None = None) -> bytes:
    """The uploaded rows (when the issues know their sheet) with each bad cell filled and carrying
    a comment with its rules, then the sheet 「导入错误」: one row per issue (行号, 列, 值, 规则)."""
    source = source if source is not None else getattr(issues, "source", None)
    issues = list(issues)
    workbook = SafeWorkbook(write_only=True)
    if source is not None and source.rows:
        _marked_copy(workbook, source, issues)
    sheet = workbook.create_sheet(ISSUES_SHEET)
    sheet.freeze_panes = "A2"
    for index, width in enumerate((8, 22, 40, 80), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_header_cell(sheet, title, REQUIRED_FILL) for title in (_("行号"), _("列"), _("值"), _("规则"))])
    for issue in issues:
        # The value goes in as text: an error sheet must not turn "=A1" back into a formula.
        sheet.append([issue.row or "—", issue.column or "—", _text_cell(sheet, issue.value), _clean(issue.rule)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _marked_copy(workbook: Workbook, source: Upload, issues: Iterable[Issue]) -> None:
    spec = source.spec
    rules: dict[tuple[int, int], list[str]] = defaultdict(list)
    widest: dict[int, int] = defaultdict(int)  # a bad cell may lie beyond the last value of its row
    for issue in issues:
        if issue.row is not None and issue.cell is not None:
            rules[(issue.row, issue.cell)].append(issue.rule)
            widest[issue.row] = max(widest[issue.row], issue.cell + 1)
    key_of = {i: key for key, i in source.index.items()} | {i: header for header, i in source.extras.items()}
    masks = {i: spec.column(key).mask for key, i in source.index.items()}
    data_lines = {line for line, _cells in source.data}
    # Up to the last data row: when the header is wrong, no row was read, and only the header is
    # copied (what the spec would redact in a row is not known then).
    last = max([source.header_line, *(line for line, _c in source.data), *(line for line, _c in rules)])
    sheet = workbook.create_sheet(source.sheet if source.sheet not in ("", ISSUES_SHEET) else _("原表"))
    sheet.freeze_panes = f"A{source.header_line + 1}"
    for key, index in source.index.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = spec.column(key).width
    commented = 0
    for line in range(1, last + 1):
        cells = list(source.rows[line - 1]) if line <= len(source.rows) else []
        width = max(len(cells), widest[line])
        cells += [None] * (width - len(cells))
        texts = {key: cell_text(cells[i]) for i, key in key_of.items() if i < width}
        out = []
        for col, raw in enumerate(cells):
            marks = rules.get((line, col))
            value = source.formulas.get((line, col), raw)
            if line in data_lines and col in key_of:
                shown = spec.redact(key_of[col], cell_text(value), texts, bool(marks)) if spec.redact else None
                if shown is not None:
                    value = shown
                elif masks.get(col) is not None and cell_text(value):
                    value = masks[col](cell_text(value))
            if not isinstance(value, CELL_TYPES):
                value = cell_text(value)
            if isinstance(value, str):
                value = mask_identifiers(value)
            if not marks and line != source.header_line:
                out.append(_text_cell(sheet, value) if isinstance(value, str) else value)
                continue
            cell = WriteOnlyCell(sheet, value=None)
            if isinstance(value, str):
                cell.value = _clean(value)
                cell.data_type = "s"
            else:
                cell.value = value
            if line == source.header_line:
                cell.font = HEADER_FONT
            if marks:
                cell.fill = BAD_FILL
                commented += 1
            if marks and commented <= MAX_COMMENTS:
                text = _clean("\n".join(dict.fromkeys(marks)))
                cell.comment = Comment(text, AUTHOR, width=320, height=min(60 + 18 * text.count("\n"), 300))
            out.append(cell)
        sheet.append(out)


def mask_identifiers(text: str) -> str:
    """`text` with every resident ID number in it masked (110101********1234)."""
    if not text or not RESIDENT_ID.search(folded := unicodedata.normalize("NFKC", text)):
        return text
    return RESIDENT_ID.sub(lambda found: mask_resident_id(found.group()), folded)


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]


def _text_cell(sheet, value) -> WriteOnlyCell:
    """Text as text, neutralised (lib.xlsx.safe_cell): "=A1" never becomes a formula again."""
    return text_cell(sheet, _clean(cell_text(value) if not isinstance(value, str) else value))


def _header_cell(sheet, title: str, fill: PatternFill) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=title)
    cell.font = HEADER_FONT
    cell.fill = fill
    return cell


# --- the template ---------------------------------------------------------------------------------


def column_help(column: Column) -> str:
    listed = column.choices is not None and column.choices.listed
    return str(column.help) + ("：" + "、".join(column.choices.resolve()) if listed else "")


def template(spec: Spec) -> Workbook:
    """The data sheet (headers coloured by required, each with its help as a comment; text format
    where Excel would mangle numbers) and the hidden lists behind its drop-downs."""
    workbook = SafeWorkbook()
    sheet = workbook.active
    sheet.title = spec.sheet
    sheet.append([spec.header(c) for c in spec.columns])
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30
    lists = list(spec.lists)
    for column in spec.columns:
        if column.choices is not None and column.choices not in lists:
            lists.append(column.choices)
    values = {choices: choices.resolve() for choices in lists}
    if lists:
        holder = workbook.create_sheet(spec.lists_sheet)
        holder.sheet_state = "hidden"
        holder.append([choices.title for choices in lists])
        for number, choices in enumerate(lists, start=1):
            holder.column_dimensions[get_column_letter(number)].width = choices.width
            for line, value in enumerate(values[choices], start=2):
                holder.cell(row=line, column=number, value=value)
    for number, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(number)
        cell = sheet.cell(row=1, column=number)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.alignment = Alignment(vertical="center", horizontal="center", wrap_text=True)
        kind = _("必填。") if column.required else _("选填。")
        cell.comment = Comment(kind + column_help(column), AUTHOR, width=240, height=90)
        sheet.column_dimensions[letter].width = column.width
        if column.text_format:
            # A column formatted as text keeps 18-digit ID numbers and leading zeros as typed.
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices is None or not values[column.choices]:
            continue
        source = get_column_letter(lists.index(column.choices) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"'{spec.lists_sheet}'!${source}$2:${source}${len(values[column.choices]) + 1}",
            allow_blank=True,
            showErrorMessage=column.choices.strict,
            showInputMessage=True,
            errorStyle="stop" if column.choices.strict else "warning",
            errorTitle=_("%(title)s填写有误") % {"title": column.title},
            error=_("请从下拉列表中选择%(title)s") % {"title": column.title},
            promptTitle=column.title[:32],
            prompt=str(column.help)[:255],
        )
        validation.add(f"{letter}2:{letter}{spec.max_rows + 1}")
        sheet.add_data_validation(validation)
    return workbook


def instructions(
    workbook: Workbook, spec: Spec, *, name: str, title: str, lines: Sequence[str], example: dict | None = None
) -> None:
    """The help sheet, second in the workbook: the rules, then each column with what it takes."""
    sheet = workbook.create_sheet(name, 1)
    for letter, width in zip("ABC", (24, 8, 72), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for line in lines:
        sheet.append([line])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
        sheet.cell(row=sheet.max_row, column=1).alignment = WRAP
        sheet.row_dimensions[sheet.max_row].height = 32
    sheet.append([])
    sheet.append([_("列名"), _("必填"), _("填写要求")])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL
    for column in spec.columns:
        sheet.append([spec.header(column), _("是") if column.required else "", column_help(column)])
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    if example:
        sheet.append([])
        sheet.append([_("示例")])
        sheet.cell(row=sheet.max_row, column=1).font = HEADER_FONT
        for column in spec.columns:
            if example.get(column.key):
                sheet.append([spec.header(column), "", example[column.key]])


def to_bytes(workbook: Workbook) -> bytes:
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
