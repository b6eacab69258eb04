"""Importing a filled declaration template (issue 4 §2, the spreadsheet channel).

All or nothing: the whole file is checked first and every problem is collected as (row as Excel
numbers it, column header, value, rule in Chinese); a file with any problem writes nothing. A
clean file is written in one transaction with bulk inserts, so 10,000 rows take seconds.

The file is untrusted: lib/xlsx.read_sheet checks the ZIP container before any spreadsheet
library opens it (an .xls renamed .xlsx, a damaged file or a zip bomb is refused) and scans the
sheet's XML for formulas, merged cells and the extent of the data; each formula and merged range
is then reported against its row and column here.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from accounts.models import Organization, Region, User
from accounts.permissions import authorize
from lib import fieldcrypt
from lib.errors import ApplicationError
from lib.identifiers import validate_mobile, validate_resident_id
from lib.xlsx import FORMULA, MAX_CELLS, MERGED, TOO_MANY_ROWS, Sheet, read_sheet
from lib.xlsx import cell_text as _text
from techniques.models import SimilarityFlag, Technique, TechniqueHolder, Term
from techniques.services import _check_offline_entry, flag_similar, technique_submit
from techniques.spreadsheets import (
    CITY_NAME,
    CITY_PREFIX,
    COLUMN_BY_KEY,
    COLUMNS,
    DATA_SHEET,
    LISTS_SHEET,
    MAX_ROWS,
    NO,
    TERM_VOCABULARY,
    YES,
    Column,
    errors_workbook,
)
from workflow.context import current_ip
from workflow.models import AuditEntry

logger = logging.getLogger(__name__)

__all__ = ["ImportIssue", "ImportResult", "PossibleDuplicate", "errors_workbook", "technique_import"]

# A file that is wrong on every cell would otherwise produce half a million messages.
MAX_ERRORS = 10_000
WRITE_BATCH = 1000
PROGRESS_STEP = 100
# flag_similar() compares texts; run it for possible duplicates only while that stays quick.
FLAG_SIMILAR_LIMIT = 200

REQUIRED = "必填项，不能为空"
YES_NO = "应填写「是」或「否」"
ID_AS_NUMBER = "身份证号码被 Excel 存成了数字（{shown}），末几位可能已经丢失；请把本列设为「文本」格式后重新输入号码"

Progress = Callable[[int, int, str], None]
# Takes over indexing the new rows (see technique_import); returns the id of the job doing it.
IndexHook = Callable[[list[int]], int | None]
STAGE_LABELS = {"check": "校验", "write": "写入", "submit": "提交", "index": "更新检索索引"}


@dataclass(frozen=True)
class ImportIssue:
    """One problem: `row` as Excel numbers it (None for the file as a whole)."""

    row: int | None
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        if self.row is None:
            return f"文件 · {self.rule}"
        return f"第 {self.row} 行 · {self.column or '—'} · {self.value or '（空）'} · {self.rule}"


@dataclass(frozen=True)
class PossibleDuplicate:
    row: int
    name: str
    holder: str
    existing_id: int
    existing_code: str
    reason: str
    kind: str  # the SimilarityFlag reason recorded for it
    technique_id: int | None = None


@dataclass
class ImportResult:
    ok: bool
    rows: int = 0
    created: list[int] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    duplicates: list[PossibleDuplicate] = field(default_factory=list)
    submitted: int = 0
    seconds: float = 0.0
    truncated: bool = False  # more than MAX_ERRORS problems; only the first are listed
    index_job_id: int | None = None  # the background job bringing search up to date

    @property
    def summary(self) -> str:
        if not self.ok:
            more = f"（仅列出前 {len(self.errors):,} 处）" if self.truncated else ""
            return f"导入失败：发现 {len(self.errors):,} 处错误{more}，未写入任何数据。请按错误清单修改后重新导入。"
        text = f"导入成功：共 {self.rows:,} 行，新建申报 {len(self.created):,} 项"
        if self.submitted:
            text += f"，已提交 {self.submitted:,} 项"
        if self.duplicates:
            text += f"；其中 {len(self.duplicates):,} 项与已有申报疑似重复，已标记待核"
        return text + "。"

    def to_dict(self, *, limit: int = 500) -> dict:
        """For Job.result (JSON): counts, and the first `limit` errors and duplicates."""
        return {
            "ok": self.ok,
            "rows": self.rows,
            "created": len(self.created),
            "created_ids": self.created[:limit],
            "submitted": self.submitted,
            "error_count": len(self.errors),
            "errors": [asdict(e) for e in self.errors[:limit]],
            "duplicate_count": len(self.duplicates),
            "duplicates": [asdict(d) for d in self.duplicates[:limit]],
            "truncated": self.truncated,
            "index_job_id": self.index_job_id,
            "seconds": round(self.seconds, 2),
            "summary": self.summary,
        }


class _Refused(Exception):
    """The file as a whole cannot be read; no row is looked at."""

    def __init__(self, rule: str, *, row: int | None = None, column: str = "", value: str = ""):
        super().__init__(rule)
        self.issue = ImportIssue(row, column, value, rule)


# --- the file -----------------------------------------------------------------------------------


def _read(data: bytes) -> Sheet:
    """The data sheet, through the shared guard (lib/xlsx.read_sheet): an .xls renamed .xlsx, a
    damaged file, a password, a zip bomb or a sheet far too large are refused before any reader
    allocates it; formulas and merged cells come back located, for the row checks below."""
    try:
        return read_sheet(data, prefer=DATA_SHEET, skip={LISTS_SHEET}, max_rows=MAX_ROWS, max_cells=MAX_CELLS)
    except ApplicationError as exc:
        raise _Refused(exc.message) from None


# --- cell values ----------------------------------------------------------------------------


def _key(name: str) -> str:
    # Full-width brackets and stray spaces should not make 「内服方药(验方、秘方)」 unknown.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _header_title(value) -> str:
    title = re.sub(r"\s+", "", _text(value)).rstrip("*＊")
    return re.sub(r"[（(][^（()）]*[)）]$", "", title).rstrip("*＊")


_SPLIT = re.compile(r"[、；;\n]+")
_SPLIT_MORE = re.compile(r"[，,]+")


def _split_terms(text: str, known: dict[str, int]) -> list[str]:
    """Names separated by 、 (or ；/new line). A comma splits too, unless the whole piece is a term
    with a comma in its name (「伤寒阴厥证，厥阴厥证」)."""
    names = []
    for piece in _SPLIT.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if _key(piece) in known or not _SPLIT_MORE.search(piece):
            names.append(piece)
        else:
            names.extend(p.strip() for p in _SPLIT_MORE.split(piece) if p.strip())
    return list(dict.fromkeys(names))


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- the check ------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    values: dict
    region: Region | None = None
    category_id: int | None = None
    inheritance_id: int | None = None
    diseases: list[int] = field(default_factory=list)
    syndromes: list[int] = field(default_factory=list)
    features: list[int] = field(default_factory=list)
    indications_free: str = ""
    id_number: str = ""
    phone: str = ""
    flags: dict = field(default_factory=dict)


class _Checker:
    def __init__(self, *, entered_org: Organization, submit: bool):
        self.entered_org = entered_org
        self.submit = submit
        self.errors: list[ImportIssue] = []
        self.truncated = False
        self.terms = {
            key: {_key(n): pk for pk, n in Term.objects.filter(vocabulary=v, is_active=True).values_list("pk", "name")}
            for key, v in TERM_VOCABULARY.items()
        }
        self.term_lists = {
            key: list(Term.objects.filter(vocabulary=v, is_active=True).values_list("name", flat=True))
            for key, v in TERM_VOCABULARY.items()
            if key in ("category", "inheritance")
        }
        self.regions = {r.code: r for r in Region.objects.filter(prefix__startswith=CITY_PREFIX)}
        names = {r.prefix: r.name for r in self.regions.values()}
        self.full_names = {
            r.code: "".join(names.get(r.prefix[:n], "") for n in (6, 9) if n < len(r.prefix)) + r.name
            for r in self.regions.values()
        }
        self.outside: dict[str, list[tuple[int, str, str]]] = defaultdict(list)

    def add(self, line: int | None, column: Column | str, value: str, rule: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            return
        header = column.header if isinstance(column, Column) else column
        self.errors.append(ImportIssue(line, header, value[:200], rule))

    def row(self, line: int, cells: dict[str, object]) -> _Row:
        values = {key: _text(raw) for key, raw in cells.items()}
        row = _Row(line=line, values=values)
        for column in COLUMNS:
            if column.key not in cells:
                continue  # a formula or a merged cell, reported as such
            value = values[column.key]
            if not value:
                if column.kind == "yesno" and column.required:
                    self.add(line, column, "", f"未填写：{YES_NO}（须由持有人本人确认）")
                elif column.required:
                    self.add(line, column, "", REQUIRED)
                continue
            if column.max_length and len(value) > column.max_length:
                self.add(line, column, value, f"不能超过 {column.max_length} 个字，当前为 {len(value)} 个字")
                continue
            check = getattr(self, f"_{column.kind}", None)
            if check is not None:
                check(row, column, value, cells[column.key])
        self._indications(row)
        return row

    def _code(self, row: _Row, column: Column, value: str, raw) -> None:
        match = re.fullmatch(r"(\d{6}|\d{9}|\d{12})(?:\D.*)?", value, re.S)
        if not match or isinstance(raw, (datetime.date, datetime.time, bool)):
            self.add(row.line, column, value, "区划代码应为 6、9 或 12 位数字，例如村级代码 140802001001")
            return
        code = match.group(1)
        region = self.regions.get(code)
        if region is None:
            # Known elsewhere in the country or not at all: one query for the whole file, later.
            self.outside[code].append((row.line, column.header, value))
            return
        if not region.prefix.startswith(self.entered_org.region.prefix):
            self.add(
                row.line,
                column,
                value,
                f"「{self.full_names[code]}」不在录入单位「{self.entered_org.name}」的辖区内，请由所在地的工作人员录入",
            )
            return
        row.region = region

    def _term(self, row: _Row, column: Column, value: str, raw) -> None:
        pk = self.terms[column.key].get(_key(value))
        if pk is None:
            self.add(
                row.line, column, value, f"不是有效的{column.title}，应为：" + "、".join(self.term_lists[column.key])
            )
            return
        setattr(row, f"{column.key}_id", pk)

    def _terms(self, row: _Row, column: Column, value: str, raw) -> None:
        known = self.terms[column.key]
        unknown = []
        for name in _split_terms(value, known):
            pk = known.get(_key(name))
            if pk is None:
                unknown.append(name)
            elif pk not in getattr(row, column.key):
                getattr(row, column.key).append(pk)
        if column.key == "features" and unknown:
            self.add(
                row.line,
                column,
                value,
                "「"
                + "」「".join(unknown[:5])
                + "」不在治法特色词表中；请使用词表中的术语，其他内容写入「理论与治疗特色」",
            )
        else:
            row.flags.setdefault("unknown", []).extend(unknown)

    def _yesno(self, row: _Row, column: Column, value: str, raw) -> None:
        if value not in (YES, NO):
            self.add(row.line, column, value, YES_NO)
            return
        row.flags[column.key] = value == YES

    def _id_number(self, row: _Row, column: Column, value: str, raw) -> None:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) or re.search(r"\d[eE][+]\d", value):
            # As Excel shows it with a number format: 15 significant digits, then zeros.
            shown = format(Decimal(f"{raw:.15g}"), "f") if isinstance(raw, float) else value
            self.add(row.line, column, value, ID_AS_NUMBER.format(shown=shown))
            return
        try:
            row.id_number = validate_resident_id(value)
        except ValidationError as exc:
            self.add(row.line, column, value, _messages(exc))

    def _phone(self, row: _Row, column: Column, value: str, raw) -> None:
        try:
            row.phone = validate_mobile(value)
        except ValidationError as exc:
            self.add(row.line, column, value, _messages(exc))

    def _indications(self, row: _Row) -> None:
        free = [row.values.get("indications_free", "")] + row.flags.get("unknown", [])
        row.indications_free = "、".join(dict.fromkeys(f for f in free if f))
        limit = Technique._meta.get_field("indications_free").max_length
        if len(row.indications_free) > limit and len(row.values.get("indications_free", "")) <= limit:
            self.add(
                row.line,
                COLUMN_BY_KEY["indications_free"],
                row.indications_free,
                f"其他适应证与不在标准表中的病种、证候合计 {len(row.indications_free)} 个字，超过 {limit} 字上限；"
                "请精简，或改用标准病名、证候",
            )
        if self.submit and not (row.diseases or row.syndromes or row.indications_free):
            self.add(
                row.line, COLUMN_BY_KEY["diseases"], "", "导入后直接提交时，治疗病种、证候、其他适应证至少填写一项"
            )

    def resolve_outside(self) -> None:
        """Codes not in the city: say whether they exist elsewhere or not at all."""
        if not self.outside:
            return
        elsewhere = dict(Region.objects.filter(code__in=list(self.outside)).values_list("code", "name"))
        for code, places in self.outside.items():
            for line, header, value in places:
                if code in elsewhere:
                    rule = (
                        f"「{elsewhere[code]}」（{code}）不在{CITY_NAME}范围内；"
                        f"优势技术收集范围为{CITY_NAME}，区划代码以 {CITY_PREFIX} 开头"
                    )
                else:
                    rule = f"区划代码「{code}」不存在；请从下拉列表选择，或在隐藏的「{LISTS_SHEET}」工作表中查找"
                self.add(line, header, value, rule)


def _map_headers(header_row: list, rows: list[list], checker: _Checker) -> dict[str, int]:
    """column key → index; any problem with the header row is reported against row 1."""
    by_title = {c.title: c for c in COLUMNS}
    found: dict[str, list[int]] = defaultdict(list)
    for index, raw in enumerate(header_row):
        title = _header_title(raw)
        letter = get_column_letter(index + 1)
        if not title:
            if any(index < len(r) and _text(r[index]) for r in rows[1:]):
                checker.add(1, f"{letter} 列", "", "该列没有列标题，下面却填写了内容；请删除该列，或填写模板中的列标题")
            continue
        if title not in by_title:
            checker.add(
                1, f"{letter} 列", _text(raw), f"无法识别的列「{_text(raw)}」；列标题须与模板一致，请下载最新模板"
            )
            continue
        found[by_title[title].key].append(index)
    for key, indexes in found.items():
        if len(indexes) > 1:
            letters = "、".join(f"{get_column_letter(i + 1)} 列" for i in indexes)
            column = COLUMN_BY_KEY[key]
            checker.add(
                1,
                column.header,
                column.header,
                f"列「{column.header}」出现了 {len(indexes)} 次（{letters}），每列只能出现一次",
            )
    missing = [c.header for c in COLUMNS if c.key not in found and c.key != "region_name"]
    if missing:
        checker.add(1, "列标题", "", f"缺少 {len(missing)} 列：" + "、".join(missing) + "；请使用平台下载的最新模板")
    return {key: indexes[0] for key, indexes in found.items()}


# --- the service ----------------------------------------------------------------------------


def technique_import(
    *,
    actor: User,
    entered_org: Organization,
    data: bytes,
    filename: str = "",
    progress: Progress | None = None,
    submit: bool = False,
    index: IndexHook | None = None,
) -> ImportResult:
    """Checks the whole file, then writes every row or none.

    `progress(done, total, stage)` is called every PROGRESS_STEP rows of each stage: "check", then
    "write", then "submit" (with submit=True, each new declaration is submitted through
    technique_submit, as if its holder had pressed the button), then "index" once the rows are
    committed and the full-text index catches up. Raises ApplicationError when the
    actor may not enter declarations for `entered_org`; every problem with the file itself comes
    back in the result.

    The full-text index: by default the new rows are indexed right after the commit, in this
    process (stage "index"). `index(ids)`, when given, is called instead inside the write
    transaction once every row is written, and takes the indexing over (the upload page passes
    techniques.tasks.schedule_index, which records an index job with the rows and enqueues it
    on commit, so the index job exists exactly when the rows do); what it returns is kept as
    the result's `index_job_id`.
    """
    started = time.monotonic()
    authorize(actor, "technique.create")
    _check_offline_entry(actor, entered_org, None)
    report = progress or (lambda done, total, stage: None)
    checker = _Checker(entered_org=entered_org, submit=submit)

    def failed(rows: int = 0) -> ImportResult:
        result = ImportResult(
            ok=False,
            rows=rows,
            errors=checker.errors,
            truncated=checker.truncated,
            seconds=time.monotonic() - started,
        )
        logger.info("import of %r by %s refused: %d rows, %d errors", filename, actor, rows, len(result.errors))
        return result

    try:
        sheet = _read(data)
    except _Refused as refused:
        checker.errors.append(refused.issue)
        return failed()
    rows = sheet.rows
    if not rows or not any(_text(v) for v in rows[0]):
        checker.add(
            1, "列标题", "", f"工作表「{sheet.name}」第 1 行应为列标题；请使用平台下载的模板，不要在标题上方插入行"
        )
        return failed()
    columns = _map_headers(rows[0], rows, checker)
    header_merges = [m for m in sheet.merges if m[0] == 1]
    for first_row, _c, _r, _lc, ref in header_merges:
        checker.add(first_row, "列标题", ref, MERGED.format(ref=ref))
    if checker.errors:
        return failed()

    data_rows = [(i, r) for i, r in enumerate(rows[1:], start=2) if any(_text(v) for v in r)]
    if len(data_rows) > MAX_ROWS:
        checker.add(None, "", "", TOO_MANY_ROWS.format(count=len(data_rows), limit=MAX_ROWS))
        return failed(len(data_rows))
    if not data_rows:
        checker.add(None, "", "", f"工作表「{sheet.name}」中没有数据：请从第 2 行起每行填写一项技术")
        return failed()

    header_of = {index: COLUMN_BY_KEY[key] for key, index in columns.items()}
    skipped: set[tuple[int, int]] = set(sheet.formulas)
    for (line, col), formula in sorted(sheet.formulas.items()):
        checker.add(line, header_of.get(col, f"{get_column_letter(col + 1)} 列"), formula, FORMULA)
    last_line = data_rows[-1][0]
    for first_row, first_col, last_row, last_col, ref in sheet.merges:
        if first_row == 1:
            continue
        checker.add(
            first_row, header_of.get(first_col, f"{get_column_letter(first_col + 1)} 列"), ref, MERGED.format(ref=ref)
        )
        for line in range(first_row, min(last_row, last_line) + 1):
            for col in range(first_col, min(last_col, len(rows[0]) + 1) + 1):
                skipped.add((line, col))

    total = len(data_rows)
    checked: list[_Row] = []
    seen: dict[tuple[str, str, str], int] = {}
    for done, (line, raw_row) in enumerate(data_rows, start=1):
        cells = {
            key: (raw_row[index] if index < len(raw_row) else "")
            for key, index in columns.items()
            if (line, index) not in skipped
        }
        row = checker.row(line, cells)
        checked.append(row)
        identity = (
            row.values.get("name", ""),
            row.values.get("holder_name", ""),
            row.region.code if row.region else "",
        )
        if all(identity):
            if identity in seen:
                checker.add(
                    line,
                    COLUMN_BY_KEY["name"],
                    identity[0],
                    f"与第 {seen[identity]} 行重复：技术名称、持有人姓名、所在地区都相同；同一项技术只填写一行",
                )
            else:
                seen[identity] = line
        if done % PROGRESS_STEP == 0 or done == total:
            report(done, total, "check")
    checker.resolve_outside()
    if checker.errors:
        checker.errors.sort(key=lambda e: e.row or 0)
        return failed(total)

    duplicates = _existing_duplicates(checked)
    created, submitted, index_job_id = _write(
        checked, actor=actor, entered_org=entered_org, duplicates=duplicates, submit=submit, report=report, index=index
    )
    result = ImportResult(
        ok=True,
        rows=total,
        created=created,
        duplicates=duplicates,
        submitted=submitted,
        seconds=time.monotonic() - started,
        index_job_id=index_job_id,
    )
    logger.info("import of %r by %s: %d rows in %.1f s", filename, actor, total, result.seconds)
    return result


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_duplicates(rows: list[_Row]) -> list[PossibleDuplicate]:
    """Rows matching a declaration already in the database: the same name and holder ID number,
    or the same name in the same place. They are imported and flagged, never merged."""
    names = sorted({r.values["name"] for r in rows})
    existing: dict[int, tuple[str, str, str]] = {}
    for chunk in _chunks(names):
        for pk, name, region_id, code in Technique.objects.filter(name__in=chunk).values_list(
            "pk", "name", "region_id", "code"
        ):
            existing[pk] = (name, region_id, code or "")
    if not existing:
        return []
    by_place: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, (name, region_id, _code) in existing.items():
        by_place[(name, region_id)].append(pk)
    by_holder: dict[tuple[str, str], list[int]] = defaultdict(list)
    for chunk in _chunks(list(existing)):
        for technique_id, hash_ in (
            TechniqueHolder.objects.filter(technique_id__in=chunk)
            .exclude(id_number_hash="")
            .values_list("technique_id", "id_number_hash")
        ):
            by_holder[(existing[technique_id][0], hash_)].append(technique_id)
    found = []
    for row in rows:
        name = row.values["name"]
        row.flags["hash"] = fieldcrypt.keyed_hash(row.id_number) if row.id_number else ""
        matches: dict[int, tuple[str, str]] = {}
        for pk in by_holder.get((name, row.flags["hash"]), []) if row.flags["hash"] else []:
            matches[pk] = ("同名，且持有人身份证号码相同", SimilarityFlag.Reason.SAME_HOLDER)
        for pk in by_place.get((name, row.region.code), []):
            matches.setdefault(pk, ("同名，且在同一地区", SimilarityFlag.Reason.SIMILAR_NAME))
        for pk, (reason, kind) in sorted(matches.items()):
            found.append(
                PossibleDuplicate(
                    row=row.line,
                    name=name,
                    holder=row.values["holder_name"],
                    existing_id=pk,
                    existing_code=existing[pk][2],
                    reason=reason,
                    kind=kind,
                )
            )
    return found


def _write(
    rows: list[_Row],
    *,
    actor: User,
    entered_org: Organization,
    duplicates: list[PossibleDuplicate],
    submit: bool,
    report: Progress,
    index: IndexHook | None,
) -> tuple[list[int], int, int | None]:
    through = {key: getattr(Technique, key).through for key in ("diseases", "syndromes", "features")}
    content_type = ContentType.objects.get_for_model(Technique)
    channel_label = str(Technique.Channel.IMPORT.label)
    ip = current_ip()
    total = len(rows)
    created: list[int] = []
    techniques: list[Technique] = []
    submitted = 0
    with transaction.atomic():
        for batch in _chunks(rows, WRITE_BATCH):
            objects = [
                Technique(
                    name=row.values["name"],
                    region=row.region,
                    category_id=row.category_id,
                    inheritance_id=row.inheritance_id,
                    indications_free=row.indications_free,
                    origin_history=row.values.get("origin_history", ""),
                    theory_features=row.values.get("theory_features", ""),
                    operation_method=row.values.get("operation_method", ""),
                    contraindications=row.values.get("contraindications", ""),
                    typical_cases=row.values.get("typical_cases", ""),
                    consent_publish=row.flags.get("consent_publish", False),
                    consent_research=row.flags.get("consent_research", False),
                    status=Technique.Status.DRAFT,
                    channel=Technique.Channel.IMPORT,
                    entered_by=actor,
                    entered_org=entered_org,
                )
                for row in batch
            ]
            Technique.objects.bulk_create(objects)
            holders = []
            links = {key: [] for key in through}
            audits = []
            for row, technique in zip(batch, objects, strict=True):
                holder = TechniqueHolder(
                    technique_id=technique.pk,
                    name=row.values["holder_name"],
                    phone=row.phone,
                    qualifications=row.values.get("holder_qualifications", ""),
                    is_recognised_specialist=row.flags.get("holder_specialist", False),
                    is_primary=True,
                )
                if row.id_number:
                    holder.id_number_encrypted = fieldcrypt.encrypt(row.id_number)
                    holder.id_number_hash = row.flags.get("hash") or fieldcrypt.keyed_hash(row.id_number)
                holders.append(holder)
                for key, model in through.items():
                    # Positional (id, technique_id, term_id): Django's quick path for 50,000 rows.
                    links[key].extend(model(None, technique.pk, pk) for pk in getattr(row, key))
                # The same row workflow.services.audit_record() writes for technique_create().
                audits.append(
                    AuditEntry(
                        action=AuditEntry.Action.CREATE,
                        actor=actor,
                        actor_label=actor.get_username(),
                        organization=entered_org,
                        content_type=content_type,
                        object_id=str(technique.pk),
                        object_repr=technique.name[:200],
                        to_state="草稿",
                        reason=channel_label,
                        ip=ip,
                    )
                )
            TechniqueHolder.objects.bulk_create(holders)
            for key, model in through.items():
                model.objects.bulk_create(links[key])
            AuditEntry.objects.bulk_create(audits)
            created.extend(t.pk for t in objects)
            techniques.extend(objects)
            report(len(created), total, "write")

        by_line = {row.line: technique for row, technique in zip(rows, techniques, strict=True)}
        flags = []
        for position, duplicate in enumerate(duplicates):
            technique = by_line[duplicate.row]
            duplicates[position] = PossibleDuplicate(**{**asdict(duplicate), "technique_id": technique.pk})
            flags.append(
                SimilarityFlag(
                    technique_id=technique.pk,
                    similar_to_id=duplicate.existing_id,
                    reason=duplicate.kind,
                    score=1.0,
                    detail=f"表格导入第 {duplicate.row} 行：{duplicate.reason}"[:300],
                )
            )
        SimilarityFlag.objects.bulk_create(flags, ignore_conflicts=True)
        flagged = list(dict.fromkeys(d.technique_id for d in duplicates))
        if not submit and len(flagged) <= FLAG_SIMILAR_LIMIT:
            # Near-identical names and texts too (submission does this by itself).
            for technique in Technique.objects.filter(pk__in=flagged).select_related("region"):
                flag_similar(technique)

        if submit:
            for done, technique in enumerate(techniques, start=1):
                technique_submit(technique=technique, actor=actor)
                submitted += 1
                if done % PROGRESS_STEP == 0 or done == total:
                    report(done, total, "submit")

        if index is not None:
            return created, submitted, index(created)
        # After the commit, so the index never shows rows that were rolled back; robust, so a
        # failing index cannot make a committed import look failed (the rows stay findable by the
        # list filters, and `manage.py reindex_techniques --missing` catches up).
        transaction.on_commit(lambda: index_in_batches(created, report), robust=True)
    return created, submitted, None


def index_in_batches(ids: list[int], report: Progress) -> None:
    """Indexes `ids` for full-text search, WRITE_BATCH at a time, reporting stage "index"."""
    from techniques.search import reindex

    for start in range(0, len(ids), WRITE_BATCH):
        reindex(ids[start : start + WRITE_BATCH])
        report(min(start + WRITE_BATCH, len(ids)), len(ids), "index")
