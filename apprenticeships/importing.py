"""The batch channel of an organizing unit (000 §四(一) 师承申请也可由承办单位统一组织办理): a filled
spreadsheet of applicants plus a zip of their documents.

All or nothing: every row, every file and every eligibility rule is checked first and each
problem is reported by row (as Excel numbers it), column, value and rule; a batch with any problem
writes nothing. The files are untrusted: the workbook's and the zip's containers are checked
before anything is decompressed, each document is typed by its content.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts import services as accounts_services
from accounts.models import Membership, Organization, Region, User
from accounts.permissions import authorize
from apprenticeships.models import (
    ApplicationDocument,
    ApprenticeApplication,
    Credential,
    Document,
    IntendedMaster,
    IssuerLevel,
    Term,
)
from apprenticeships.rules import Facts, decide, required_documents
from apprenticeships.services import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, MAX_INTENDED, _programme_people
from lib import fieldcrypt
from lib.errors import ApplicationError
from lib.files import sniff
from lib.identifiers import validate_mobile, validate_resident_id
from lib.xlsx import FORMULA, MERGED, Sheet, open_zip, read_sheet
from masters.models import Master, Title
from notifications.services import notify
from techniques.importing import ImportIssue  # one shape of import error for every channel
from workflow.models import AuditEntry
from workflow.services import audit_record

DATA_SHEET = "师承申请"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
MAX_ROWS = 2000
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool = False
    width: int = 16
    hint: str = ""
    choices: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return f"{self.title}*" if self.required else self.title


FILE_HINT = "压缩包中的文件名（可含文件夹，如 张三/简历.pdf）；PDF、JPEG 或 PNG，不超过 10 MB"
TITLES = {str(t.label): t.value for t in Title}
TERMS = {str(t.label): t.value for t in Term}
CREDENTIALS = {str(c.label): c.value for c in Credential}
LEVELS = {str(level.label): level.value for level in IssuerLevel}
FILE_COLUMNS = {
    "file_resume": Document.RESUME,
    "file_degree": Document.DEGREE,
    "file_qualification": Document.QUALIFICATION,
    "file_title": Document.TITLE,
    "file_skill": Document.SKILL,
    "file_recommendation": Document.RECOMMENDATION,
    "file_credential": Document.CREDENTIAL,
}
COLUMNS: list[Column] = [
    Column("name", "姓名", True, 10, "申请人姓名"),
    Column("phone", "手机号码", True, 14, "11 位手机号码；用于识别申请人，已注册的申请人按号码匹配"),
    Column("id_number", "身份证号码", False, 22, "18 位居民身份证号码；本列须为文本格式"),
    Column("organization", "工作单位", True, 24, "平台中已登记的单位全称"),
    Column("region_code", "所在地区代码", True, 14, "6 位县级或 9 位乡级、12 位村级区划代码"),
    Column("title", "职称", True, 12, "从下拉列表选择", tuple(TITLES)),
    Column("specialty", "专业方向", True, 20, "如：针灸治疗中风后遗症"),
    Column("intention", "师承意向", False, 30, "希望学习的技术、病种或方向"),
    Column("term", "师承期限", True, 10, "从下拉列表选择：半年、一年、三年", tuple(TERMS)),
    Column("masters", "意向传承人证书编号", True, 24, f"传承人证书编号，最多 {MAX_INTENDED} 个，用顿号「、」分隔"),
    Column("folk", "是否民间中医", False, 10, "填写「是」或「否」，空白视为「否」", (YES, NO)),
    Column("recommending_organization", "推荐单位", False, 24, "民间中医经单位推荐的，填写推荐单位全称"),
    Column("credential", "认可证书", False, 22, "民间中医持有的认可证书，从下拉列表选择", tuple(CREDENTIALS)),
    Column("credential_issuer_level", "发证机关级别", False, 12, "从下拉列表选择；须为县级及以上", tuple(LEVELS)),
    *[
        Column(key, f"{Document(kind).label}文件", kind == Document.RESUME, 26, FILE_HINT)
        for key, kind in FILE_COLUMNS.items()
    ],
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


@dataclass
class ImportResult:
    ok: bool
    rows: int = 0
    created: list[int] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"导入失败：发现 {len(self.errors):,} 处错误，未写入任何数据。请按错误清单修改后重新导入。"
        return f"导入成功：共 {self.rows:,} 行，已提交师承申请 {len(self.created):,} 份，等待初审。"


# --- the template ---------------------------------------------------------------------------------


def build_template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append([c.header for c in COLUMNS])
    sheet.freeze_panes = "A2"
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE4D6" if column.required else "E7E6E6")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.comment = Comment(
            ("必填。" if column.required else "选填。") + column.hint, "传承平台", width=240, height=90
        )
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("phone", "id_number", "region_code"):
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            lists.cell(row=1, column=index, value=column.title)
            for i, choice in enumerate(column.choices, start=2):
                lists.cell(row=i, column=index, value=choice)
            validation = DataValidation(
                type="list",
                formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(column.choices) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"{column.title}填写有误",
                error=f"请从下拉列表中选择{column.title}",
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    help_sheet = workbook.create_sheet(HELP_SHEET, 1)
    help_sheet.column_dimensions["A"].width = 26
    help_sheet.column_dimensions["B"].width = 8
    help_sheet.column_dimensions["C"].width = 80
    for line in (
        "全国卫生健康技术推广传承应用项目 · 师承申请批量办理填写说明",
        f"1. 在「{DATA_SHEET}」工作表中每行填写一位申请人，从第 2 行开始；第 1 行的列标题不要修改。",
        "2. 申请人的材料（报名信息表、学历学位证书、医师资格证书、职称证书等）放在一个 .zip 压缩包中，"
        "在对应的「…文件」列填写压缩包中的文件名。文件按内容识别类型，改扩展名无效。",
        "3. 任何一行有错误时，整批都不会导入；请按错误清单（行、列、填写内容、规则）逐条修改后重新上传。",
        "4. 申请条件按意向传承人的层级核验（000 §五(二)）：国医大师、院士和突出贡献专家的师承人须副主任医师及以上；"
        "名老中医、资深专家的师承人须主治医师及以上；知名专家的师承人须住院医师（传统医学也可为助理医师）及以上。",
        "5. 民间中医经相关单位推荐（填写推荐单位并附推荐函），或持有县级及以上卫生健康行政主管部门认可证书"
        "（医术确有专长证书、师承证书、中医药适宜技术培训证书）的，可申请成为传统医学传承人的师承人。",
        "6. 同一申请人向同一传承人的申请尚在办理中的，不能重复申请。",
        "7. 本表含个人信息，请妥善保管。",
    ):
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.append([])
    help_sheet.append(["列名", "必填", "填写要求"])
    for column in COLUMNS:
        hint = column.hint + (("：" + "、".join(column.choices)) if column.choices else "")
        help_sheet.append([column.header, "是" if column.required else "", hint])
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading --------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """The documents' zip, with the limits of a workbook's container (lib/xlsx.open_zip)."""
    return open_zip(
        data,
        label="材料压缩包",
        not_zip="材料压缩包不是 .zip 格式，请用 ZIP 格式压缩后上传",
        corrupt="材料压缩包已损坏，无法打开",
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_sheet(data: bytes) -> Sheet:
    """The data sheet through the shared guard (lib/xlsx.read_sheet), which refuses a renamed
    .xls, a damaged file, a zip bomb or a sheet too large to read before a reader opens it."""
    sheet = read_sheet(data, prefer=DATA_SHEET, max_rows=MAX_ROWS)
    if sheet.name != DATA_SHEET:
        raise ApplicationError(f"工作簿中没有「{DATA_SHEET}」工作表，请使用平台提供的模板")
    return sheet


def _formulas_and_merges(sheet: Sheet, index: dict[str, int]) -> list[ImportIssue]:
    """A formula's value is whatever Excel last computed, and a merged range keeps its text in
    its first cell only: a phone or ID number must be typed, once per row."""
    header_of = {i: COLUMN_BY_KEY[key].header for key, i in index.items()}

    def column(i: int) -> str:
        return header_of.get(i) or f"{get_column_letter(i + 1)} 列"

    issues = [
        ImportIssue(line, column(col), formula, FORMULA) for (line, col), formula in sorted(sheet.formulas.items())
    ]
    issues += [ImportIssue(first, column(col), ref, MERGED.format(ref=ref)) for first, col, _r, _c, ref in sheet.merges]
    return issues


@dataclass
class _Row:
    number: int
    values: dict
    applicant: User | None = None
    organization: Organization | None = None
    region: Region | None = None
    recommending: Organization | None = None
    masters: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # kind → (name, bytes, mime)


def application_import(
    *, actor: User, organization: Organization, workbook: bytes, archive: bytes | None
) -> ImportResult:
    """Check the whole batch, then write it in one transaction: applicants (found by phone or ID
    number, or registered), applications submitted on their behalf, documents, intended masters."""
    authorize(actor, "apprentice_application.import", organization)
    if organization.kind != Organization.Kind.ORGANIZING:
        raise ApplicationError("只有承办单位可以统一办理师承申请", field="organization")
    sheet = _read_sheet(workbook)
    rows = sheet.rows
    zip_file = _check_zip(archive) if archive else None
    errors: list[ImportIssue] = []
    if not rows:
        raise ApplicationError("工作表是空的")
    headers = [_text(h).rstrip("*") for h in rows[0]]
    index = {}
    for column in COLUMNS:
        if column.title not in headers:
            errors.append(ImportIssue(1, column.header, "", "缺少该列，请使用平台提供的模板，不要修改列标题"))
        else:
            index[column.key] = headers.index(column.title)
    errors += _formulas_and_merges(sheet, index)
    if errors:
        return ImportResult(ok=False, errors=errors)
    data_rows = [r for r in rows[1:] if any(_text(v) for v in r)]
    if len(data_rows) > MAX_ROWS:
        raise ApplicationError(f"数据行数为 {len(data_rows):,} 行，超过单次导入上限 {MAX_ROWS:,} 行")
    if not data_rows:
        raise ApplicationError("工作表中没有数据行")

    members = {posixpath.normpath(m.filename): m for m in zip_file.infolist() if not m.is_dir()} if zip_file else {}
    parsed: list[_Row] = []
    seen_pairs: dict[tuple[str, int], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        values = {key: _text(raw[i]) if i < len(raw) else "" for key, i in index.items()}
        if not any(values.values()):
            continue
        row = _Row(number, values)
        problems = _check_row(row, members, zip_file)
        for key, rule in problems:
            errors.append(ImportIssue(number, COLUMN_BY_KEY[key].header, values.get(key, ""), rule))
        for master in row.masters:
            pair = (values["phone"], master.pk)
            if pair in seen_pairs:
                errors.append(
                    ImportIssue(
                        number,
                        COLUMN_BY_KEY["masters"].header,
                        master.certificate_number,
                        f"与第 {seen_pairs[pair]} 行重复：同一申请人不能重复申请同一传承人",
                    )
                )
            seen_pairs[pair] = number
        parsed.append(row)
    if errors:
        return ImportResult(ok=False, rows=len(parsed), errors=errors)
    created = _write(parsed, actor, organization)
    return ImportResult(ok=True, rows=len(parsed), created=created)


def _check_row(row: _Row, members: dict, zip_file) -> list[tuple[str, str]]:
    v = row.values
    problems: list[tuple[str, str]] = []
    for column in COLUMNS:
        if column.required and not v.get(column.key):
            problems.append((column.key, "必填项，不能为空"))
        elif column.choices and v.get(column.key) and v[column.key] not in column.choices:
            problems.append((column.key, "应从下拉列表中选择：" + "、".join(column.choices)))
    if problems:
        return problems
    try:
        validate_mobile(v["phone"])
    except Exception:
        problems.append(("phone", "应为 11 位手机号码"))
    id_number = ""
    if v["id_number"]:
        try:
            id_number = validate_resident_id(v["id_number"])
        except Exception:
            problems.append(("id_number", "身份证号码无效（GB 11643 校验不通过）"))
    row.organization = Organization.objects.filter(name=v["organization"]).first()
    if row.organization is None:
        problems.append(("organization", "平台中没有这个单位，请填写已登记单位的全称"))
    row.region = Region.objects.filter(code=v["region_code"]).first()
    if row.region is None:
        problems.append(("region_code", "没有这个行政区划代码"))
    numbers = [n.strip() for n in v["masters"].replace(",", "、").replace("，", "、").split("、") if n.strip()]
    if len(numbers) > MAX_INTENDED:
        problems.append(("masters", f"意向传承人最多 {MAX_INTENDED} 位"))
    found = {
        m.certificate_number: m
        for m in Master.objects.filter(certificate_number__in=numbers, status=Master.Status.CERTIFIED)
    }
    for n in numbers:
        if n not in found:
            problems.append(("masters", f"「{n}」不是已认证传承人的证书编号"))
    row.masters = [found[n] for n in numbers if n in found]
    folk = v["folk"] == YES
    if v["recommending_organization"]:
        row.recommending = Organization.objects.filter(name=v["recommending_organization"]).first()
        if row.recommending is None:
            problems.append(("recommending_organization", "平台中没有这个单位"))
    # The applicant, if already registered: by ID number first, then by phone.
    applicant = None
    if id_number:
        applicant = User.objects.filter(id_number_hash=fieldcrypt.keyed_hash(id_number)).first()
    if applicant is None and v["phone"]:
        applicant = User.objects.filter(phone=v["phone"]).first()
    row.applicant = applicant
    if applicant is not None and row.masters:
        taken = IntendedMaster.objects.filter(applicant=applicant, master__in=row.masters, is_open=True).select_related(
            "master"
        )
        for intent in taken:
            problems.append(("masters", f"该申请人向「{intent.master.name}」的申请尚在办理中，不能重复申请"))
    # The documents, typed by content.
    for key, kind in FILE_COLUMNS.items():
        name = v.get(key)
        if not name:
            continue
        member = members.get(posixpath.normpath(name))
        if member is None:
            problems.append((key, "压缩包中没有这个文件" if zip_file else "填写了文件名，但没有上传材料压缩包"))
            continue
        if member.file_size > MAX_DOCUMENT_BYTES:
            problems.append((key, f"文件不能超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"))
            continue
        content = zip_file.read(member)
        mime = sniff(content[:16])
        if mime not in DOCUMENT_TYPES:
            problems.append((key, "文件内容不是允许的类型（PDF、JPEG、PNG），请勿仅修改扩展名"))
            continue
        row.files[kind] = (posixpath.basename(name), content, mime)
    facts = Facts(
        title=TITLES.get(v["title"], Title.NONE),
        is_folk_practitioner=folk,
        recommended=row.recommending is not None and Document.RECOMMENDATION in row.files,
        credential=CREDENTIALS.get(v["credential"], ""),
        credential_issuer_level=LEVELS.get(v["credential_issuer_level"], ""),
        credential_uploaded=Document.CREDENTIAL in row.files,
    )
    for kind in required_documents(facts):
        if kind not in row.files:
            key = next(k for k, kd in FILE_COLUMNS.items() if kd == kind)
            problems.append((key, f"缺少材料「{Document(kind).label}」（000 §四(一)）"))
    for master in row.masters:
        decision = decide(facts, master.tier)
        if not decision.passed:
            problems.append(
                (
                    "masters",
                    f"向{master.get_tier_display()}「{master.name}」申请不符合 {decision.rule_id}「{decision.clause_text}」（{decision.detail}）",
                )
            )
    return problems


@transaction.atomic
def _write(rows: list[_Row], actor: User, organization: Organization) -> list[int]:
    now = timezone.now()
    created = []
    for row in rows:
        v = row.values
        applicant = row.applicant
        if applicant is None:
            applicant = accounts_services.user_create(
                username=_free_username(v["phone"]),
                password=None,
                full_name=v["name"],
                region=row.region,
                phone=v["phone"],
                id_number=v["id_number"],
                actor=actor,
            )
        accounts_services.membership_grant(
            user=applicant, organization=row.organization, role=Membership.Role.APPLICANT, actor=actor
        )
        application = ApprenticeApplication.objects.create(
            applicant=applicant,
            name=v["name"],
            organization=row.organization,
            region=row.region,
            title=TITLES[v["title"]],
            specialty=v["specialty"][:200],
            intention=v["intention"],
            term=TERMS[v["term"]],
            is_folk_practitioner=v["folk"] == YES,
            recommending_organization=row.recommending,
            credential=CREDENTIALS.get(v["credential"], ""),
            credential_issuer_level=LEVELS.get(v["credential_issuer_level"], ""),
            entered_by_organization=organization,
            # Submitted on the person's behalf by the organizing unit: it starts in review round 1.
            status=ApprenticeApplication.Status.SUBMITTED,
            round=1,
            submitted_at=now,
        )
        IntendedMaster.objects.bulk_create(
            [
                IntendedMaster(application=application, master=m, applicant=applicant, position=i)
                for i, m in enumerate(row.masters, start=1)
            ]
        )
        for kind, (name, content, mime) in row.files.items():
            ApplicationDocument.objects.create(
                application=application,
                kind=kind,
                file=SimpleUploadedFile(name, content, content_type=mime),
                original_name=name[-200:],
                content_type=mime,
                size=len(content),
                round=1,
                uploaded_by=actor,
            )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=application,
            to_state="待初审",
            reason=f"{organization.name}统一办理（批量导入第 {row.number} 行）",
        )
        notify(
            recipients=[applicant],
            title="承办单位已为您提交师承申请",
            body=f"{organization.name}统一办理，等待初审。",
            url=reverse("apprenticeships:application-detail", args=[application.pk]),
        )
        created.append(application.pk)
    notify(
        recipients=_programme_people(Organization.Kind.ORGANIZING, (Membership.Role.REVIEWER,)),
        title=f"批量导入的师承申请待初审：{len(created)} 份",
        body=f"{organization.name}统一办理。",
        url=reverse("apprenticeships:review-queue"),
    )
    return created


def _free_username(phone: str) -> str:
    base = f"m{phone}"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name
