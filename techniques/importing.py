"""Importing a filled declaration template (issue 4 §2, the spreadsheet channel): the columns with
their parsers, the rules across a row and across the file, and the write. lib/imports runs them:
the whole file is checked first and every problem listed by row (as Excel numbers it), column,
value and rule; a file with any problem writes nothing. A clean file is written in one
transaction with bulk inserts, so 10,000 rows take seconds.

The file is untrusted: lib/xlsx checks the ZIP container before any spreadsheet library opens it
and scans the sheet's XML for formulas, merged cells and the extent of the data.
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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization, Region, User
from accounts.permissions import authorize
from lib import fieldcrypt, imports
from lib.identifiers import mask_resident_id, validate_mobile, validate_resident_id
from lib.imports import Cell, Choices, Column, Invalid, Issue, Issues, Refused, Row, Spec, Upload
from lib.imports import error_workbook as errors_workbook
from techniques.models import SimilarityFlag, Technique, TechniqueHolder, Term, Vocabulary
from techniques.services import DuplicateDeclaration, _check_offline_entry, flag_similar, method_key, technique_submit
from workflow.context import current_ip
from workflow.models import AuditEntry
from workflow.services import audit_seal_after_commit, audit_text

logger = logging.getLogger(__name__)

__all__ = ["ImportIssue", "ImportResult", "PossibleDuplicate", "errors_workbook", "technique_import"]

ImportIssue = Issue  # the name the other channels and the pages know
DATA_SHEET = "技术申报"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
# The programme collects the techniques of 运城市 (003 §三(一)): region codes start with its prefix.
CITY_PREFIX = "1408"
CITY_NAME = "运城市"
MAX_ROWS = 20_000
YES, NO = "是", "否"
# A file that is wrong on every cell would otherwise produce half a million messages.
MAX_ERRORS = 10_000
WRITE_BATCH = 1000
PROGRESS_STEP = 100
# flag_similar() compares texts; run it for possible duplicates only while that stays quick.
FLAG_SIMILAR_LIMIT = 200
KEPT_OUT = "〔未保留，请从原文件填写〕"

Progress = imports.Progress
# Takes over indexing the new rows (see technique_import); returns the id of the job doing it.
IndexHook = Callable[[list[int]], int | None]
STAGE_LABELS = {**imports.STAGE_LABELS, "submit": "提交", "index": "更新检索索引"}


def city_regions() -> list[tuple[str, str, str]]:
    """(code, name, full name) of every division of the city, in code order."""
    regions = list(
        Region.objects.filter(prefix__startswith=CITY_PREFIX).order_by("code").values_list("code", "name", "prefix")
    )
    names = {prefix: name for _code, name, prefix in regions}
    rows = []
    for code, name, prefix in regions:
        parents = [names[prefix[:n]] for n in (6, 9) if n < len(prefix) and prefix[:n] in names]
        rows.append((code, name, "".join(parents) + name))
    return rows


def active_terms(vocabulary: str) -> list[str]:
    return list(Term.objects.filter(vocabulary=vocabulary, is_active=True).values_list("name", flat=True))


# --- the cells --------------------------------------------------------------------------------


def _key(name: str) -> str:
    # Full-width brackets and stray spaces should not make 「内服方药(验方、秘方)」 unknown.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@dataclass(frozen=True)
class _Elsewhere:
    """A region code not in the city: whether it exists elsewhere is asked once for the file."""

    code: str


@dataclass(frozen=True)
class _Terms:
    ids: list[int]
    unknown: list[str]  # names not in the vocabulary, kept as other indications


def _region(cell: Cell) -> Region | _Elsewhere:
    match = re.fullmatch(r"(\d{6}|\d{9}|\d{12})(?:\D.*)?", cell.text, re.S)
    if not match or isinstance(cell.raw, (datetime.date, datetime.time, bool)):
        raise Invalid(_("区划代码应为 6、9 或 12 位数字，例如村级代码 140802001001"))
    lookups: _Lookups = cell.context
    code = match.group(1)
    region = lookups.regions.get(code)
    if region is None:
        return _Elsewhere(code)
    if not region.prefix.startswith(lookups.entered_org.region.prefix):
        raise Invalid(
            _("「%(place)s」不在录入单位「%(org)s」的辖区内，请由所在地的工作人员录入")
            % {"place": lookups.full_names[code], "org": lookups.entered_org.name}
        )
    return region


def _term(key: str, title: str) -> Callable[[Cell], int]:
    def parse(cell: Cell) -> int:
        pk = cell.context.terms[key].get(_key(cell.text))
        if pk is None:
            names = "、".join(cell.context.term_names[key])
            raise Invalid(_("不是有效的%(title)s，应为：%(names)s") % {"title": title, "names": names})
        return pk

    return parse


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


def _terms(key: str, *, strict: bool = False) -> Callable[[Cell], _Terms]:
    def parse(cell: Cell) -> _Terms:
        known = cell.context.terms[key]
        names = _split_terms(cell.text, known)
        unknown = [name for name in names if _key(name) not in known]
        if strict and unknown:
            raise Invalid(
                _("「%(names)s」不在治法特色词表中；请使用词表中的术语，其他内容写入「理论与治疗特色」")
                % {"names": "」「".join(unknown[:5])}
            )
        return _Terms(list(dict.fromkeys(known[_key(n)] for n in names if _key(n) in known)), unknown)

    return parse


def _yes_no(cell: Cell) -> bool:
    if cell.text not in (YES, NO):
        raise Invalid(_("应填写「是」或「否」"))
    return cell.text == YES


def _id_number(cell: Cell) -> str:
    raw = cell.raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) or re.search(r"\d[eE][+]\d", cell.text):
        # As Excel shows it with a number format: 15 significant digits, then zeros.
        shown = format(Decimal(f"{raw:.15g}"), "f") if isinstance(raw, float) else cell.text
        raise Invalid(
            _("身份证号码被 Excel 存成了数字（%(shown)s），末几位可能已经丢失；请把本列设为「文本」格式后重新输入号码")
            % {"shown": shown}
        )
    try:
        return validate_resident_id(cell.text)
    except ValidationError as exc:
        raise Invalid(_messages(exc)) from None


def _phone(cell: Cell) -> str:
    try:
        return validate_mobile(cell.text)
    except ValidationError as exc:
        raise Invalid(_messages(exc)) from None


def _redact(key: str, text: str, texts: dict, bad: bool) -> str | None:
    # The error workbook is kept with the job: ID numbers and phones stay out unless at fault.
    return KEPT_OUT if key in ("holder_id_number", "holder_phone") and text and not bad else None


# --- the columns --------------------------------------------------------------------------------

TEXT_HINT = gettext_lazy("可换行；不限字数")
YES_NO = Choices("是/否", (YES, NO), listed=False, width=8)
CATEGORIES = Choices("技术类别", lambda: active_terms(Vocabulary.CATEGORY), width=26)
INHERITANCES = Choices("传承方式", lambda: active_terms(Vocabulary.INHERITANCE), width=12)
REGION_CODES = Choices("区划代码", lambda: [code for code, _n, _f in city_regions()], listed=False, width=16)
COLUMNS: list[Column] = [
    Column("name", "技术名称", True, width=24, help=gettext_lazy("技术的通用名称，不超过 100 个字"), max_length=100),
    Column(
        "region_code",
        "所在地区代码",
        True,
        _region,
        REGION_CODES,
        gettext_lazy("12 位村级区划代码（也可填乡镇 9 位、县 6 位），可从下拉列表选择；须在录入单位辖区内"),
        text_format=True,
    ),
    Column(
        "region_name",
        "所在地区名称",
        width=22,
        help=gettext_lazy("仅供核对，导入时以代码为准"),
        header_optional=True,
    ),
    Column(
        "category",
        "技术类别",
        True,
        _term("category", "技术类别"),
        CATEGORIES,
        gettext_lazy("从下拉列表选择"),
        width=24,
    ),
    Column(
        "inheritance",
        "传承方式",
        True,
        _term("inheritance", "传承方式"),
        INHERITANCES,
        gettext_lazy("从下拉列表选择"),
        width=12,
    ),
    Column(
        "holder_name",
        "持有人姓名",
        True,
        width=12,
        help=gettext_lazy("每行填写一位持有人；其他持有人导入后在页面上补充"),
        max_length=64,
    ),
    Column(
        "holder_id_number",
        "持有人身份证号码",
        parse=_id_number,
        help=gettext_lazy("18 位居民身份证号码；本列须为文本格式，否则 Excel 会把号码改成科学计数法"),
        width=22,
        text_format=True,
        mask=mask_resident_id,  # a number at fault is kept masked in the job's result and error sheet
    ),
    Column(
        "holder_phone",
        "持有人手机号码",
        parse=_phone,
        help=gettext_lazy("11 位手机号码"),
        width=15,
        text_format=True,
    ),
    Column(
        "holder_qualifications",
        "持有人资格与证书",
        width=24,
        help=gettext_lazy("如：中医（专长）医师资格证书"),
        max_length=300,
    ),
    Column(
        "holder_specialist",
        "是否中医专长医师",
        parse=_yes_no,
        choices=YES_NO,
        help=gettext_lazy("填写「是」或「否」，空白视为「否」"),
        width=12,
    ),
    Column("origin_history", "源流与历史", width=36, help=TEXT_HINT),
    Column("theory_features", "理论与治疗特色", True, width=36, help=TEXT_HINT),
    Column("operation_method", "操作方法或制备工艺", True, width=36, help=TEXT_HINT),
    Column(
        "diseases",
        "治疗病种",
        parse=_terms("diseases"),
        help=gettext_lazy("多个病名用顿号「、」分隔；不在标准病名表中的记为其他适应证"),
        width=24,
    ),
    Column(
        "syndromes",
        "证候",
        parse=_terms("syndromes"),
        help=gettext_lazy("多个证候用顿号「、」分隔；不在标准证候表中的记为其他适应证"),
        width=24,
    ),
    Column(
        "features",
        "治法特色",
        parse=_terms("features", strict=True),
        help=gettext_lazy("多个治法用顿号「、」分隔；须为治法特色词表中的术语"),
        width=20,
    ),
    Column(
        "indications_free", "其他适应证", width=24, help=gettext_lazy("标准病名、证候表以外的适应证"), max_length=500
    ),
    Column("contraindications", "禁忌与风险", width=30, help=TEXT_HINT),
    Column("typical_cases", "典型病例与疗效", width=36, help=TEXT_HINT),
    *(
        Column(
            key,
            title,
            True,
            _yes_no,
            YES_NO,
            help,
            width=width,
            required_rule=gettext_lazy("未填写：应填写「是」或「否」（须由持有人本人确认）"),
        )
        for key, title, help, width in (
            ("consent_publish", "同意公开", gettext_lazy("持有人是否同意公开该技术：填写「是」或「否」"), 10),
            ("consent_research", "同意用于研究", gettext_lazy("持有人是否同意用于研究：填写「是」或「否」"), 12),
        )
    ),
]
TERM_VOCABULARY = {
    "category": Vocabulary.CATEGORY,
    "inheritance": Vocabulary.INHERITANCE,
    "diseases": Vocabulary.DISEASE,
    "syndromes": Vocabulary.SYNDROME,
    "features": Vocabulary.FEATURE,
}
SPEC = Spec(
    columns=COLUMNS,
    sheet=DATA_SHEET,
    skip_sheets=(LISTS_SHEET,),
    missing_together=True,
    max_rows=MAX_ROWS,
    max_issues=MAX_ERRORS,
    no_header=gettext_lazy("工作表「%(sheet)s」第 1 行应为列标题；请使用平台下载的模板，不要在标题上方插入行"),
    no_data=gettext_lazy("工作表「%(sheet)s」中没有数据：请从第 2 行起每行填写一项技术"),
    lists=(CATEGORIES, INHERITANCES, YES_NO, REGION_CODES),
    lists_sheet=LISTS_SHEET,
    redact=_redact,
    progress_step=PROGRESS_STEP,
)


# --- the result -------------------------------------------------------------------------------


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
    errors: list[Issue] = field(default_factory=Issues)
    duplicates: list[PossibleDuplicate] = field(default_factory=list)
    submitted: int = 0
    seconds: float = 0.0
    truncated: bool = False  # more than MAX_ERRORS problems; only the first are listed
    index_job_id: int | None = None  # the background job bringing search up to date

    @property
    def summary(self) -> str:
        if not self.ok:
            more = _("（仅列出前 %(count)s 处）") % {"count": f"{len(self.errors):,}"} if self.truncated else ""
            return _("导入失败：发现 %(count)s 处错误%(more)s，未写入任何数据。请按错误清单修改后重新导入。") % {
                "count": f"{len(self.errors):,}",
                "more": more,
            }
        text = _("导入成功：共 %(rows)s 行，新建申报 %(created)s 项") % {
            "rows": f"{self.rows:,}",
            "created": f"{len(self.created):,}",
        }
        if self.submitted:
            text += _("，已提交 %(count)s 项") % {"count": f"{self.submitted:,}"}
        if self.duplicates:
            text += _("；其中 %(count)s 项与已有申报疑似重复，已标记待核") % {"count": f"{len(self.duplicates):,}"}
        return text + "。"

    def error_workbook(self) -> bytes:
        return errors_workbook(self.errors)

    def to_dict(self, *, limit: int = 500) -> dict:
        """For Job.result (JSON): counts, and the first `limit` errors and duplicates."""
        return {
            "ok": self.ok,
            "rows": self.rows,
            "created": len(self.created),
            "created_ids": self.created[:limit],
            "submitted": self.submitted,
            "error_count": len(self.errors),
            "errors": [e.as_dict() for e in self.errors[:limit]],
            "duplicate_count": len(self.duplicates),
            "duplicates": [asdict(d) for d in self.duplicates[:limit]],
            "truncated": self.truncated,
            "index_job_id": self.index_job_id,
            "seconds": round(self.seconds, 2),
            "summary": self.summary,
        }


# --- the rules across a row and across the file -------------------------------------------------


class _Lookups:
    """What the parsers look values up in, loaded once per file, and the rules across rows."""

    def __init__(self, *, entered_org: Organization, submit: bool):
        self.entered_org = entered_org
        self.submit = submit
        self.terms = {
            key: {_key(n): pk for pk, n in Term.objects.filter(vocabulary=v, is_active=True).values_list("pk", "name")}
            for key, v in TERM_VOCABULARY.items()
        }
        self.term_names = {key: active_terms(TERM_VOCABULARY[key]) for key in ("category", "inheritance")}
        self.regions = {r.code: r for r in Region.objects.filter(prefix__startswith=CITY_PREFIX)}
        names = {r.prefix: r.name for r in self.regions.values()}
        self.full_names = {
            r.code: "".join(names.get(r.prefix[:n], "") for n in (6, 9) if n < len(r.prefix)) + r.name
            for r in self.regions.values()
        }
        self.seen: dict[tuple[str, str, str], int] = {}

    def check_row(self, row: Row) -> None:
        values = row.values
        free = [row.texts.get("indications_free", "")]
        for key in ("diseases", "syndromes"):
            free += values.get(key, _Terms([], [])).unknown
        values["indications_free"] = "、".join(dict.fromkeys(f for f in free if f))
        limit = Technique._meta.get_field("indications_free").max_length
        if len(values["indications_free"]) > limit and len(free[0]) <= limit:
            rule = _(
                "其他适应证与不在标准表中的病种、证候合计 %(count)s 个字，超过 %(limit)s 字上限；请精简，或改用标准病名、证候"
            ) % {"count": len(values["indications_free"]), "limit": limit}
            row.fail("indications_free", rule, value=values["indications_free"])
        indicated = values.get("diseases", _Terms([], [])).ids or values.get("syndromes", _Terms([], [])).ids
        if self.submit and not (indicated or values["indications_free"]):
            row.fail("diseases", _("导入后直接提交时，治疗病种、证候、其他适应证至少填写一项"), value="")
        region = values.get("region_code")
        identity = (row.texts.get("name", ""), row.texts.get("holder_name", ""), getattr(region, "code", ""))
        if all(identity):
            if identity in self.seen:
                rule = _("与第 %(line)s 行重复：技术名称、持有人姓名、所在地区都相同；同一项技术只填写一行") % {
                    "line": self.seen[identity]
                }
                row.fail("name", rule, value=identity[0])
            else:
                self.seen[identity] = row.line

    def check_rows(self, rows: list[Row], upload: Upload) -> None:
        """Codes not in the city: whether they exist elsewhere or not at all, in one query; and rows
        that repeat a declaration already made."""
        _refuse_exact_duplicates(rows)
        outside = [row for row in rows if isinstance(row.values.get("region_code"), _Elsewhere)]
        if not outside:
            return
        codes = {row.values["region_code"].code for row in outside}
        elsewhere = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        for row in outside:
            code = row.values["region_code"].code
            if code in elsewhere:
                rule = _(
                    "「%(name)s」（%(code)s）不在%(city)s范围内；优势技术收集范围为%(city)s，区划代码以 %(prefix)s 开头"
                ) % {"name": elsewhere[code], "code": code, "city": CITY_NAME, "prefix": CITY_PREFIX}
            else:
                rule = _("区划代码「%(code)s」不存在；请从下拉列表选择，或在隐藏的「%(lists)s」工作表中查找") % {
                    "code": code,
                    "lists": LISTS_SHEET,
                }
            row.fail("region_code", rule)


def _refuse_exact_duplicates(rows: list[Row]) -> None:
    """A row that repeats a declaration already in the database — the same name, the same method
    (spacing aside) and the same holder (ID number, or name within the county when the row gives
    no ID number) — is refused with a link to it, as the declaration form refuses it
    (services.exact_duplicate, issue 12 §10). A few queries per 500 names, whatever the rows."""
    wanted = [r for r in rows if r.texts.get("name") and r.texts.get("operation_method")]
    names = sorted({r.texts["name"] for r in wanted})
    existing: dict[int, Technique] = {}
    for chunk in _chunks(names):
        for technique in (
            Technique.objects.filter(name__in=chunk)
            .exclude(status=Technique.Status.MERGED)
            .only("pk", "name", "code", "operation_method", "region_id")
        ):
            existing[technique.pk] = technique
    if not existing:
        return
    holders: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for chunk in _chunks(list(existing)):
        for technique_id, hash_, name in TechniqueHolder.objects.filter(technique_id__in=chunk).values_list(
            "technique_id", "id_number_hash", "name"
        ):
            holders[technique_id].append((hash_, name))
    by_name: dict[str, list[Technique]] = defaultdict(list)
    for technique in existing.values():
        by_name[technique.name].append(technique)
    for row in wanted:
        method = method_key(row.texts["operation_method"])
        id_number = row.values.get("holder_id_number") or ""
        hash_ = fieldcrypt.keyed_hash(id_number) if id_number else ""
        holder_name = row.texts.get("holder_name", "")
        county = getattr(row.values.get("region_code"), "code", "")[:6]
        for technique in sorted(by_name[row.texts["name"]], key=lambda t: t.pk):
            if method_key(technique.operation_method) != method:
                continue
            same_holder = any(
                (hash_ and h == hash_) or (not hash_ and n == holder_name and technique.region_id[:6] == county)
                for h, n in holders[technique.pk]
            )
            if same_holder:
                row.fail("name", DuplicateDeclaration(technique).message, value=row.texts["name"])
                break


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
    back in the result, and result.error_workbook() marks them on a copy of the rows.

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
    lookups = _Lookups(entered_org=entered_org, submit=submit)

    def write(rows: list[Row], report: Progress) -> tuple:
        duplicates = _existing_duplicates(rows)
        written = _write(
            rows, actor=actor, entered_org=entered_org, duplicates=duplicates, submit=submit, report=report, index=index
        )
        return *written, duplicates

    try:
        outcome = imports.run(
            SPEC,
            data,
            write=write,
            context=lookups,
            check_row=lookups.check_row,
            check_rows=lookups.check_rows,
            progress=report,
            max_rows=MAX_ROWS,
        )
    except Refused as refused:
        outcome = imports.Outcome(ok=False, issues=Issues([refused.issue]))
    seconds = time.monotonic() - started
    if not outcome.ok:
        logger.info(
            "import of %r by %s refused: %d rows, %d errors", filename, actor, outcome.rows, len(outcome.issues)
        )
        return ImportResult(
            ok=False, rows=outcome.rows, errors=outcome.issues, truncated=outcome.truncated, seconds=seconds
        )
    created, submitted, index_job_id, duplicates = outcome.written
    logger.info("import of %r by %s: %d rows in %.1f s", filename, actor, outcome.rows, seconds)
    return ImportResult(
        ok=True,
        rows=outcome.rows,
        created=created,
        duplicates=duplicates,
        submitted=submitted,
        seconds=seconds,
        index_job_id=index_job_id,
    )


# --- the write --------------------------------------------------------------------------------


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_duplicates(rows: list[Row]) -> list[PossibleDuplicate]:
    """Rows matching a declaration already in the database: the same name and holder ID number,
    or the same name in the same place. They are imported and flagged, never merged."""
    names = sorted({r.texts["name"] for r in rows})
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
        name = row.texts["name"]
        id_number = row.values.get("holder_id_number")
        row.values["hash"] = fieldcrypt.keyed_hash(id_number) if id_number else ""
        matches: dict[int, tuple[str, str]] = {}
        for pk in by_holder.get((name, row.values["hash"]), []) if row.values["hash"] else []:
            matches[pk] = (_("同名，且持有人身份证号码相同"), SimilarityFlag.Reason.SAME_HOLDER)
        for pk in by_place.get((name, row.values["region_code"].code), []):
            matches.setdefault(pk, (_("同名，且在同一地区"), SimilarityFlag.Reason.SIMILAR_NAME))
        for pk, (reason, kind) in sorted(matches.items()):
            found.append(
                PossibleDuplicate(
                    row=row.line,
                    name=name,
                    holder=row.texts["holder_name"],
                    existing_id=pk,
                    existing_code=existing[pk][2],
                    reason=reason,
                    kind=kind,
                )
            )
    return found


def _write(
    rows: list[Row],
    *,
    actor: User,
    entered_org: Organization,
    duplicates: list[PossibleDuplicate],
    submit: bool,
    report: Progress,
    index: IndexHook | None,
) -> tuple[list[int], int, int | None]:
    """Runs inside the import's transaction (lib/imports.run)."""
    through = {key: getattr(Technique, key).through for key in ("diseases", "syndromes", "features")}
    content_type = ContentType.objects.get_for_model(Technique)
    channel_label = str(Technique.Channel.IMPORT.label)
    ip = current_ip()
    total = len(rows)
    created: list[int] = []
    techniques: list[Technique] = []
    submitted = 0
    for batch in _chunks(rows, WRITE_BATCH):
        objects = [
            Technique(
                name=row.texts["name"],
                region=row.values["region_code"],
                category_id=row.values["category"],
                inheritance_id=row.values["inheritance"],
                indications_free=row.values["indications_free"],
                origin_history=row.texts.get("origin_history", ""),
                theory_features=row.texts.get("theory_features", ""),
                operation_method=row.texts.get("operation_method", ""),
                contraindications=row.texts.get("contraindications", ""),
                typical_cases=row.texts.get("typical_cases", ""),
                consent_publish=row.values.get("consent_publish", False),
                consent_research=row.values.get("consent_research", False),
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
            id_number = row.values.get("holder_id_number", "")
            holder = TechniqueHolder(
                technique_id=technique.pk,
                name=row.texts["holder_name"],
                phone=row.values.get("holder_phone", ""),
                qualifications=row.texts.get("holder_qualifications", ""),
                is_recognised_specialist=row.values.get("holder_specialist", False),
                is_primary=True,
            )
            if id_number:
                holder.id_number_encrypted = fieldcrypt.encrypt(id_number)
                holder.id_number_hash = row.values.get("hash") or fieldcrypt.keyed_hash(id_number)
            holders.append(holder)
            for key, model in through.items():
                # Positional (id, technique_id, term_id): Django's quick path for 50,000 rows.
                links[key].extend(model(None, technique.pk, pk) for pk in row.values.get(key, _Terms([], [])).ids)
            # The same row workflow.services.audit_record() writes for technique_create().
            audits.append(
                AuditEntry(
                    action=AuditEntry.Action.CREATE,
                    actor=actor,
                    actor_label=actor.get_username(),
                    organization=entered_org,
                    content_type=content_type,
                    object_id=str(technique.pk),
                    object_repr=audit_text(technique.name)[:200],
                    to_state="草稿",
                    reason=audit_text(channel_label),
                    ip=ip,
                )
            )
        TechniqueHolder.objects.bulk_create(holders)
        for key, model in through.items():
            model.objects.bulk_create(links[key])
        AuditEntry.objects.bulk_create(audits)
        # Sealed right after the import commits, as audit_record's rows are (issue 13 §7).
        audit_seal_after_commit()
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
