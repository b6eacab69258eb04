"""Importing a master's or apprentice's cases from a spreadsheet in the layout that case-mining tools
use (issue 6 §2): one row per visit, columns 患者姓名, 性别, 年龄, 四诊信息, 舌象, 脉象, 西医疾病,
中医疾病, 证候, 治则治法, 方剂名称, 方剂组成; any other column is kept as a note.

All or nothing: every row is checked first and every problem collected as (row as Excel numbers
it, column, value, rule in Chinese); a file with any problem writes nothing.

De-identification happens here, before anything is written: the patient's name (with sex and
birth date, when the sheet has 出生日期) becomes a keyed hash, so the same patient keeps the same
pseudonym; the name, ID numbers, phone numbers and exact dates inside free text are replaced by
〔已脱敏〕. The raw file is not kept: callers pass its bytes and drop them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from openpyxl.utils import get_column_letter

from accounts.models import Membership
from cases.models import CaseRecord, Prescription, PrescriptionItem, Visit, pseudonym_of
from lib import fieldcrypt
from lib.errors import ApplicationError
from lib.herbs import HerbParseError, parse_prescription
from lib.xlsx import FORMULA as FORMULA_CELL
from lib.xlsx import MERGED, Sheet, read_sheet
from techniques.models import Term, Vocabulary
from workflow.models import AuditEntry
from workflow.services import audit_record

MAX_ROWS = 20_000
MAX_ERRORS = 1_000
SCRUBBED = "〔已脱敏〕"

NAME, SEX, AGE = "患者姓名", "性别", "年龄"
SYMPTOMS, TONGUE, PULSE = "四诊信息", "舌象", "脉象"
WESTERN, DISEASE, SYNDROME, PRINCIPLE = "西医疾病", "中医疾病", "证候", "治则治法"
FORMULA, COMPOSITION = "方剂名称", "方剂组成"
# Optional columns the records have a place for; BIRTH only feeds the pseudonym and is not kept.
DATE, BIRTH, COMPLAINT, OUTCOME = "就诊日期", "出生日期", "主诉", "转归"
REQUIRED_COLUMNS = (NAME, COMPOSITION)
KNOWN_COLUMNS = (
    NAME, SEX, AGE, SYMPTOMS, TONGUE, PULSE, WESTERN, DISEASE, SYNDROME, PRINCIPLE, FORMULA, COMPOSITION,
    DATE, BIRTH, COMPLAINT, OUTCOME,
)  # fmt: skip
SEXES = {"男": CaseRecord.Sex.MALE, "女": CaseRecord.Sex.FEMALE, "": CaseRecord.Sex.UNKNOWN}

# Resident ID numbers (18 or 15 digits), mobile and landline numbers, and exact dates. Longest
# first, so an ID number is not half-eaten as a phone number.
_SCRUB = [
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*[日号]?"),
    re.compile(r"(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号]"),
    re.compile(r"(?<!\d)(?:19|20)\d{6}(?!\d)"),
]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ImportIssue:
    row: int | None
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        if self.row is None:
            return f"文件 · {self.rule}"
        return f"第 {self.row} 行 · {self.column or '—'} · {self.value or '（空）'} · {self.rule}"


@dataclass
class ImportResult:
    ok: bool
    rows: int = 0
    cases_created: int = 0
    visits_created: int = 0
    errors: list[ImportIssue] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"导入失败：发现 {len(self.errors):,} 处错误，未写入任何数据。请按错误清单修改后重新导入。"
        return f"导入成功：共 {self.rows:,} 行，新建病案 {self.cases_created:,} 份，诊次 {self.visits_created:,} 次"

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "summary": self.summary,
            "rows": self.rows,
            "cases_created": self.cases_created,
            "visits_created": self.visits_created,
            "errors": [{"row": e.row, "column": e.column, "value": e.value, "rule": e.rule} for e in self.errors],
        }


@dataclass
class _Row:
    line: int
    patient_key: str
    sex: str
    age_band: str
    date: datetime.date | None
    texts: dict[str, str]
    notes: dict[str, str]
    disease_term: int | None
    syndrome_term: int | None
    doses: list


def scrub(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Free text without the patient's name, ID and phone numbers or exact dates."""
    for name in names:
        if name:
            text = text.replace(name, SCRUBBED)
    for pattern in _SCRUB:
        text = pattern.sub(SCRUBBED, text)
    return text


def patient_key(*, name: str, sex: str = "", birth: str = "") -> str:
    return fieldcrypt.keyed_hash(f"case-patient|{name.strip()}|{sex}|{birth.strip()}")


def age_band(age: int) -> str:
    if age < 1:
        return "1岁以下"
    if age >= 90:
        return "90岁及以上"
    if age < 10:
        return "1–9岁"
    low = age // 10 * 10
    return f"{low}–{low + 9}岁"


def doctor_organization(owner):
    """The unit where the owner practises as master or apprentice: the records belong to it."""
    membership = (
        Membership.objects.filter(user=owner, role__in=[Membership.Role.MASTER, Membership.Role.APPRENTICE])
        .select_related("organization__region")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ApplicationError("病案只能导入给传承人或师承人：该用户没有传承人或师承人身份")
    return membership.organization


def cases_import(
    *, actor, owner, data: bytes, kind: str = CaseRecord.Kind.RETROSPECTIVE, progress: Progress | None = None
) -> ImportResult:
    """Check the whole sheet, then write every row or none. `actor` is None for the command line."""
    from cases import herbmap

    report = progress or (lambda done, total, stage: None)
    organization = doctor_organization(owner)
    herbmap.sync()
    if actor is not None and not actor.is_superuser and actor.pk != owner.pk:
        raise ApplicationError("只能导入本人的病案")
    sheet = _read(data)
    header_line = next(line for line, row in enumerate(sheet.rows, start=1) if any(_cell(c) for c in row))
    header, body = sheet.rows[header_line - 1], sheet.rows[header_line:]
    columns = [_cell(c) for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        shown = "、".join(c for c in columns if c) or "（无）"
        return ImportResult(
            ok=False, errors=[ImportIssue(1, c, "", f"缺少「{c}」列（现有列：{shown}）") for c in missing]
        )
    located = _formulas_and_merges(sheet, columns)
    if located:
        return ImportResult(ok=False, errors=located)
    rows = [(line, row) for line, row in enumerate(body, start=header_line + 1) if any(_cell(c) for c in row)]
    if not rows:
        return ImportResult(ok=False, errors=[ImportIssue(None, "", "", "表格中没有数据行")])
    if len(rows) > MAX_ROWS:
        raise ApplicationError(
            f"数据行数为 {len(rows):,} 行，超过单次导入上限 {MAX_ROWS:,} 行，请拆分为多个文件后分别导入"
        )

    terms = {
        (t.vocabulary, t.name): t.pk
        for t in Term.objects.filter(vocabulary__in=[Vocabulary.DISEASE, Vocabulary.SYNDROME], is_active=True)
    }
    parsed: list[_Row] = []
    errors: list[ImportIssue] = []
    for done, (line, raw) in enumerate(rows, start=1):
        values = {name: _cell(raw[i]) if i < len(raw) else "" for i, name in enumerate(columns) if name}
        dates = {name: raw[i] for i, name in enumerate(columns) if name in (DATE, BIRTH) and i < len(raw)}
        row = _check(line, values, dates, terms, errors)
        if row is not None:
            parsed.append(row)
        if len(errors) >= MAX_ERRORS:
            break
        if done % 500 == 0:
            report(done, len(rows), "check")
    if errors:
        return ImportResult(ok=False, rows=len(rows), errors=errors)
    report(len(rows), len(rows), "check")
    created_cases, created_visits = _write(parsed, owner=owner, actor=actor, organization=organization, kind=kind)
    report(len(rows), len(rows), "write")
    return ImportResult(ok=True, rows=len(rows), cases_created=created_cases, visits_created=created_visits)


def _read(data: bytes) -> Sheet:
    """The first sheet through the shared guard (lib/xlsx.read_sheet): an .xls renamed .xlsx, a
    damaged file, a zip bomb or a sheet too large to read is refused before a reader opens it."""
    sheet = read_sheet(data, max_rows=MAX_ROWS)
    if not any(_cell(c) for row in sheet.rows for c in row):
        raise ApplicationError("表格是空的：第 1 行应为表头（患者姓名、性别、年龄……方剂组成）")
    return sheet


def _formulas_and_merges(sheet: Sheet, columns: list[str]) -> list[ImportIssue]:
    """A formula's value is whatever Excel last computed, and a merged range keeps its text in
    the first cell only: both are refused where they are, like the technique import does."""

    def column(index: int) -> str:
        return (columns[index] if index < len(columns) else "") or f"{get_column_letter(index + 1)} 列"

    issues = [
        ImportIssue(line, column(col), formula, FORMULA_CELL) for (line, col), formula in sorted(sheet.formulas.items())
    ]
    issues += [
        ImportIssue(first_row, column(first_col), ref, MERGED.format(ref=ref))
        for first_row, first_col, _last_row, _last_col, ref in sheet.merges
    ]
    return issues[:MAX_ERRORS]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _cell(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?", text)
    if not match:
        raise ValueError
    return datetime.date(*map(int, match.groups()))


def _check(line: int, values: dict, dates: dict, terms: dict, errors: list) -> _Row | None:
    before = len(errors)

    def fail(column: str, rule: str) -> None:
        # The value is shown back to the person who uploaded it, so it is the cell as written
        # except for the name, which the error sheet must not carry either.
        shown = "" if column == NAME else values.get(column, "")[:60]
        errors.append(ImportIssue(line, column, shown, rule))

    name = values.get(NAME, "")
    if not name:
        fail(NAME, "必填项，不能为空")
    sex_text = values.get(SEX, "")
    if sex_text not in SEXES:
        fail(SEX, "应填写「男」或「女」（或留空）")
    band = ""
    age_text = values.get(AGE, "")
    if age_text:
        match = re.fullmatch(r"(\d{1,3})\s*岁?", age_text)
        if not match or int(match.group(1)) > 120:
            fail(AGE, "应为 0 到 120 之间的整数岁数，如 45 或 45岁")
        else:
            band = age_band(int(match.group(1)))
    visit_date = None
    birth = ""
    for column in (DATE, BIRTH):
        try:
            value = _date(dates.get(column))
        except ValueError:
            fail(column, "日期格式应为 2024-03-15 或 2024年3月15日")
            continue
        if column == DATE:
            visit_date = value
        elif value:
            birth = value.isoformat()
    composition = values.get(COMPOSITION, "")
    doses = []
    if not composition:
        fail(COMPOSITION, "必填项，不能为空：应写明药味与剂量，如 酸枣仁90g;川芎7g")
    else:
        try:
            doses = parse_prescription(composition)
        except HerbParseError as error:
            fail(COMPOSITION, error.message)
        else:
            if not doses:
                fail(COMPOSITION, "没有可识别的药味")
    for column in (DISEASE, SYNDROME):
        if len(values.get(column, "")) > 100:
            fail(column, "不能超过 100 个字")
    if len(errors) > before:
        return None

    sex = SEXES[sex_text]
    names = (name,)
    texts = {
        column: scrub(values.get(column, ""), names=names)
        for column in (SYMPTOMS, TONGUE, PULSE, WESTERN, DISEASE, SYNDROME, PRINCIPLE, FORMULA, COMPLAINT, OUTCOME)
    }
    texts[COMPOSITION] = scrub(composition, names=names)
    notes = {
        column: scrub(value, names=names) for column, value in values.items() if column not in KNOWN_COLUMNS and value
    }
    return _Row(
        line=line,
        patient_key=patient_key(name=name, sex=sex, birth=birth),
        sex=sex,
        age_band=band,
        date=visit_date,
        texts=texts,
        notes=notes,
        disease_term=terms.get((Vocabulary.DISEASE, texts[DISEASE])),
        syndrome_term=terms.get((Vocabulary.SYNDROME, texts[SYNDROME])),
        doses=doses,
    )


@transaction.atomic
def _write(rows: list[_Row], *, owner, actor, organization, kind: str) -> tuple[int, int]:
    keys = list(dict.fromkeys(r.patient_key for r in rows))
    existing = {c.patient_key: c for c in CaseRecord.objects.filter(owner=owner, patient_key__in=keys)}
    county = _county(organization.region)
    apprenticeship_id = active_apprenticeship(owner)
    new = []
    for key in keys:
        if key not in existing:
            first = next(r for r in rows if r.patient_key == key)
            case = CaseRecord(
                owner=owner,
                organization=organization,
                kind=kind,
                patient_key=key,
                sex=first.sex,
                age_band=first.age_band,
                county=county,
                created_by=actor if actor is not None else owner,
                apprenticeship_id=apprenticeship_id,
            )
            new.append(case)
    CaseRecord.objects.bulk_create(new)
    cases = {**existing, **{c.patient_key: c for c in new}}
    numbers = dict(
        Visit.objects.filter(case__in=list(existing.values()))
        .values("case_id")
        .annotate(last=Max("number"))
        .values_list("case_id", "last")
    )
    visits = []
    for row in rows:
        case = cases[row.patient_key]
        numbers[case.pk] = numbers.get(case.pk, 0) + 1
        t = row.texts
        visits.append(
            Visit(
                case=case,
                number=numbers[case.pk],
                date=row.date,
                chief_complaint=t[COMPLAINT],
                symptoms=t[SYMPTOMS],
                tongue=t[TONGUE][:200],
                pulse=t[PULSE][:200],
                tcm_disease=t[DISEASE],
                tcm_disease_term_id=row.disease_term,
                syndrome=t[SYNDROME],
                syndrome_term_id=row.syndrome_term,
                flagged=bool((t[DISEASE] and not row.disease_term) or (t[SYNDROME] and not row.syndrome_term)),
                western_diagnosis=t[WESTERN][:200],
                treatment_principle=t[PRINCIPLE][:300],
                outcome=t[OUTCOME],
                notes=row.notes,
            )
        )
    Visit.objects.bulk_create(visits, batch_size=1000)
    prescriptions = [
        Prescription(visit=visit, formula_name=row.texts[FORMULA][:100], composition=row.texts[COMPOSITION])
        for row, visit in zip(rows, visits, strict=True)
    ]
    Prescription.objects.bulk_create(prescriptions, batch_size=1000)
    items = [
        item
        for row, prescription in zip(rows, prescriptions, strict=True)
        for item in prescription_items(prescription, row.doses)
    ]
    PrescriptionItem.objects.bulk_create(items, batch_size=2000)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        actor_label="" if actor is not None else "manage.py import_cases",
        organization=organization,
        to_state=f"{len(visits)} 诊次",
        reason=f"导入病案：{owner.get_username()} 的 {len(keys)} 位患者（{', '.join(pseudonym_of(k) for k in keys[:5])}"
        f"{' 等' if len(keys) > 5 else ''}），{len(visits)} 诊次",
    )
    return len(new), len(visits)


def prescription_items(prescription: Prescription, doses) -> list[PrescriptionItem]:
    """The items of a prescription from its parsed doses (lib.herbs.HerbDose), unsaved."""
    return [
        PrescriptionItem(
            prescription=prescription,
            herb=dose.herb_name[:64],
            original_name=dose.name[:64],
            processing=dose.herb.processing[:16] if dose.herb else "",
            amount=dose.amount,
            unit=dose.unit or "",
            grams=dose.grams,
            factor=dose.factor,
            note=dose.note[:20],
            known=bool(dose.herb and dose.herb.known),
        )
        for dose in doses
    ]


def active_apprenticeship(owner):
    """The apprenticeship an apprentice's new cases belong to: the one they are in now, if one."""
    from apprenticeships.models import Apprenticeship

    found = list(
        Apprenticeship.objects.filter(apprentice=owner, status=Apprenticeship.Status.ACTIVE).values_list(
            "pk", flat=True
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def _county(region):
    """The county above (or at) a region; cases carry the county, not the exact place."""
    while region is not None and region.level not in ("county", "city", "province"):
        region = region.parent
    return region if region is not None and region.level == "county" else None
