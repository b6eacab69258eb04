"""Importing a master's or apprentice's cases from a spreadsheet in the layout that case-mining tools
use (issue 6 §2): one row per visit, columns 患者姓名, 性别, 年龄, 四诊信息, 舌象, 脉象, 西医疾病,
中医疾病, 证候, 治则治法, 方剂名称, 方剂组成; any other column is kept as a note. The header may sit
below a title, with a 「说明：…」 row under it (lib/imports skips those). The columns, the rule of a
row and the write; lib/imports runs them.

All or nothing: every row is checked first and every problem collected as (row as Excel numbers
it, column, value, rule in Chinese); a file with any problem writes nothing.

De-identification happens here, before anything is written (cases/deidentify.py): the patient's
name (with sex and birth date, when the sheet has 出生日期) becomes a keyed hash, so the same
patient keeps the same pseudonym; the name, ID numbers, phone numbers and exact dates inside free
text are replaced by 〔已脱敏〕. The raw file is not kept: callers pass its bytes and drop them; the
error workbook carries the rows de-identified the same way.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.deidentify import SCRUBBED, age_band, patient_key, scrub
from cases.models import CaseImport, CaseRecord, Prescription, PrescriptionItem, Visit, pseudonym_of
from cases.records import active_apprenticeship, doctor_organization, prescription_items
from lib import imports
from lib.errors import ApplicationError
from lib.herbs import HerbParseError, parse_prescription
from lib.imports import Cell, Column, Invalid, Issue, Issues, Row, Spec
from techniques.models import Term, Vocabulary
from workflow.models import AuditEntry
from workflow.services import audit_record

__all__ = ["SCRUBBED", "ImportIssue", "ImportResult", "age_band", "cases_import", "patient_key", "scrub"]

ImportIssue = Issue
MAX_ROWS = 20_000
MAX_ERRORS = 1_000

NAME, SEX, AGE = "患者姓名", "性别", "年龄"
SYMPTOMS, TONGUE, PULSE = "四诊信息", "舌象", "脉象"
WESTERN, DISEASE, SYNDROME, PRINCIPLE = "西医疾病", "中医疾病", "证候", "治则治法"
FORMULA, COMPOSITION = "方剂名称", "方剂组成"
# Optional columns the records have a place for; BIRTH only feeds the pseudonym and is not kept.
DATE, BIRTH, COMPLAINT, OUTCOME = "就诊日期", "出生日期", "主诉", "转归"
KNOWN_COLUMNS = (
    NAME, SEX, AGE, SYMPTOMS, TONGUE, PULSE, WESTERN, DISEASE, SYNDROME, PRINCIPLE, FORMULA, COMPOSITION,
    DATE, BIRTH, COMPLAINT, OUTCOME,
)  # fmt: skip
REQUIRED_COLUMNS = (NAME, COMPOSITION)
TEXTS = (SYMPTOMS, TONGUE, PULSE, WESTERN, DISEASE, SYNDROME, PRINCIPLE, FORMULA, COMPLAINT, OUTCOME, COMPOSITION)
SEXES = {"男": CaseRecord.Sex.MALE, "女": CaseRecord.Sex.FEMALE, "": CaseRecord.Sex.UNKNOWN}


def _sex(cell: Cell) -> str:
    if cell.text not in SEXES:
        raise Invalid(_("应填写「男」或「女」（或留空）"))
    return SEXES[cell.text]


def _age(cell: Cell) -> str:
    match = re.fullmatch(r"(\d{1,3})\s*岁?", cell.text)
    if not match or int(match.group(1)) > 120:
        raise Invalid(_("应为 0 到 120 之间的整数岁数，如 45 或 45岁"))
    return age_band(int(match.group(1)))


def _date(cell: Cell) -> datetime.date:
    if isinstance(cell.raw, datetime.datetime):
        return cell.raw.date()
    if isinstance(cell.raw, datetime.date):
        return cell.raw
    match = re.fullmatch(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?", cell.text)
    try:
        return datetime.date(*map(int, match.groups()))
    except (AttributeError, ValueError):
        raise Invalid(_("日期格式应为 2024-03-15 或 2024年3月15日")) from None


def _composition(cell: Cell) -> list:
    try:
        doses = parse_prescription(cell.text)
    except HerbParseError as error:
        raise Invalid(error.message) from None
    if not doses:
        raise Invalid(_("没有可识别的药味"))
    return doses


def _redact(key: str, text: str, texts: dict[str, str], bad: bool) -> str | None:
    """The error workbook and the issues carry no name, birth date, ID or phone number."""
    if key in (NAME, BIRTH):
        return SCRUBBED if text else ""
    if key == DATE:
        return None
    scrubbed = scrub(text, names=(texts.get(NAME, ""),))
    return scrubbed if scrubbed != text else None


COLUMNS = [
    Column(NAME, NAME, True, hide_value=True),
    # The case platform's own file names them 患者性别 and 患者年龄.
    Column(SEX, SEX, parse=_sex, aliases=("患者性别",)),
    Column(AGE, AGE, parse=_age, aliases=("患者年龄",)),
    *(Column(title, title) for title in (SYMPTOMS, TONGUE, PULSE, WESTERN)),
    Column(DISEASE, DISEASE, max_length=100),
    Column(SYNDROME, SYNDROME, max_length=100),
    Column(PRINCIPLE, PRINCIPLE),
    Column(FORMULA, FORMULA),
    Column(
        COMPOSITION,
        COMPOSITION,
        True,
        _composition,
        required_rule=gettext_lazy("必填项，不能为空：应写明药味与剂量，如 酸枣仁90g;川芎7g"),
    ),
    Column(DATE, DATE, parse=_date),
    Column(BIRTH, BIRTH, parse=lambda cell: _date(cell).isoformat()),
    Column(COMPLAINT, COMPLAINT),
    Column(OUTCOME, OUTCOME),
]
SPEC = Spec(
    columns=COLUMNS,
    header_row="search",
    unknown="keep",
    all_headers=False,
    max_rows=MAX_ROWS,
    max_issues=MAX_ERRORS,
    max_value=60,
    no_header=gettext_lazy("表格是空的：第 1 行应为表头（患者姓名、性别、年龄……方剂组成）"),
    no_data=gettext_lazy("表格中没有数据行"),
    redact=_redact,
    progress_step=500,
    required_mark="",
)


@dataclass
class ImportResult:
    ok: bool
    rows: int = 0
    cases_created: int = 0
    visits_created: int = 0
    errors: list[Issue] = field(default_factory=Issues)
    batch: CaseImport | None = None  # the import's batch, which an analysis can select

    @property
    def summary(self) -> str:
        if not self.ok:
            return _("导入失败：发现 %(count)s 处错误，未写入任何数据。请按错误清单修改后重新导入。") % {
                "count": f"{len(self.errors):,}"
            }
        return _("导入成功：共 %(rows)s 行，新建病案 %(cases)s 份，诊次 %(visits)s 次（导入批次 #%(batch)s）") % {
            "rows": f"{self.rows:,}",
            "cases": f"{self.cases_created:,}",
            "visits": f"{self.visits_created:,}",
            "batch": self.batch.pk if self.batch else "—",
        }

    def error_workbook(self) -> bytes:
        """The rows, de-identified, with each bad cell marked; and the list of issues."""
        return imports.error_workbook(self.errors)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "summary": self.summary,
            "rows": self.rows,
            "cases_created": self.cases_created,
            "visits_created": self.visits_created,
            "batch": self.batch.pk if self.batch else None,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class _Visit:
    """A row de-identified: what is written."""

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


def cases_import(
    *, actor, owner, data: bytes, kind: str = CaseRecord.Kind.RETROSPECTIVE, progress: imports.Progress | None = None
) -> ImportResult:
    """Check the whole sheet, then write every row or none. `actor` is None for the command line.
    Raises ApplicationError when the file cannot be imported at all."""
    from cases import herbmap

    organization = doctor_organization(owner)
    herbmap.sync()
    if actor is not None and not actor.is_superuser and actor.pk != owner.pk:
        raise ApplicationError(_("只能导入本人的病案"))
    terms = {
        (t.vocabulary, t.name): t.pk
        for t in Term.objects.filter(vocabulary__in=[Vocabulary.DISEASE, Vocabulary.SYNDROME], is_active=True)
    }

    # A visit typed twice is reported, not written twice: the same patient, date and every text.
    seen: dict[tuple, int] = {}

    def check_row(row: Row) -> None:
        if not row.clean:
            return
        name = row.texts[NAME]
        fingerprint = (
            name,
            row.values.get(BIRTH, ""),
            row.values.get(DATE),
            tuple(sorted(row.texts.items())),
            tuple(sorted(row.extras.items())),
        )
        if fingerprint in seen:
            row.fail(
                NAME,
                _("与第 %(line)s 行完全相同（同一患者、同一诊次、同样内容），疑似重复录入：请删除其中一行")
                % {"line": seen[fingerprint]},
            )
            return
        seen[fingerprint] = row.line
        texts = {column: scrub(row.texts.get(column, ""), names=(name,)) for column in TEXTS}
        sex = row.values.get(SEX, CaseRecord.Sex.UNKNOWN)
        row.values["visit"] = _Visit(
            line=row.line,
            patient_key=patient_key(name=name, sex=sex, birth=row.values.get(BIRTH, "")),
            sex=sex,
            age_band=row.values.get(AGE, ""),
            date=row.values.get(DATE),
            texts=texts,
            notes={header: scrub(value, names=(name,)) for header, value in row.extras.items() if value},
            disease_term=terms.get((Vocabulary.DISEASE, texts[DISEASE])),
            syndrome_term=terms.get((Vocabulary.SYNDROME, texts[SYNDROME])),
            doses=row.values[COMPOSITION],
        )

    def write(rows: list[Row], report: imports.Progress) -> tuple[int, int]:
        visits = [row.values["visit"] for row in rows]
        written = _write(visits, owner=owner, actor=actor, organization=organization, kind=kind)
        report(len(rows), len(rows), "write")
        return written

    outcome = imports.run(SPEC, data, write=write, check_row=check_row, progress=progress, max_rows=MAX_ROWS)
    if not outcome.ok:
        return ImportResult(ok=False, rows=outcome.rows, errors=outcome.issues)
    batch = outcome.written
    return ImportResult(
        ok=True, rows=outcome.rows, cases_created=batch.cases_created, visits_created=batch.visits_created, batch=batch
    )


def _write(rows: list[_Visit], *, owner, actor, organization, kind: str) -> CaseImport:
    """Runs inside the import's transaction (lib/imports.run)."""
    batch = CaseImport.objects.create(owner=owner, organization=organization, created_by=actor, rows=len(rows))
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
                batch=batch,
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
                batch=batch,
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
    batch.cases_created, batch.visits_created = len(new), len(visits)
    batch.save(update_fields=["cases_created", "visits_created"])
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        actor_label="" if actor is not None else "manage.py import_cases",
        obj=batch,
        organization=organization,
        to_state=f"{len(visits)} 诊次",
        reason=f"导入病案（批次 #{batch.pk}）：{owner.get_username()} 的 {len(keys)} 位患者"
        f"（{', '.join(pseudonym_of(k) for k in keys[:5])}{' 等' if len(keys) > 5 else ''}），{len(visits)} 诊次",
    )
    return batch


def _county(region):
    """The county above (or at) a region; cases carry the county, not the exact place."""
    while region is not None and region.level not in ("county", "city", "province"):
        region = region.parent
    return region if region is not None and region.level == "county" else None
