"""The batch channel of an organizing unit (000 §四(一) 师承申请也可由承办单位统一组织办理): a filled
spreadsheet of applicants plus a zip of their documents — the columns, the rules of a row and the
write; lib/imports runs them.

All or nothing: every row, every file and every eligibility rule is checked first and each
problem is reported by row (as Excel numbers it), column, value and rule; a batch with any problem
writes nothing, and ImportResult.error_workbook() marks each problem on a copy of the rows. The
files are untrusted: the workbook's and the zip's containers are checked before anything is
decompressed, each document is typed by its content.

A row never lands on someone else's account: an account found by the row's phone or ID number is
reused only when its name and ID number are both the row's, and never when it is staff's or an
expert's; otherwise the row is refused. The unique phone and ID-number hashes on User make two
imports of the same new person at once register one account; the other batch is told.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from lib import fieldcrypt, imports
from lib.errors import ApplicationError
from lib.files import accept_upload
from lib.identifiers import validate_mobile, validate_resident_id
from lib.imports import Cell, Choices, Column, Invalid, Issue, Issues, Row, Spec
from lib.xlsx import open_zip
from masters.models import Master, Title
from notifications.services import notify
from workflow.models import AuditEntry
from workflow.services import audit_record

ImportIssue = Issue
DATA_SHEET = "师承申请"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
MAX_ROWS = 2000
YES, NO = "是", "否"

FILE_HINT = gettext_lazy("压缩包中的文件名（可含文件夹，如 张三/简历.pdf）；PDF、JPEG 或 PNG，不超过 10 MB")
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
# An import registers applicants; it never files an application for staff or an expert, whose
# accounts carry other people's records (they apply themselves, if ever).
STAFF_ROLES = (
    Membership.Role.REVIEWER,
    Membership.Role.EXPERT,
    Membership.Role.OFFICE_STAFF,
    Membership.Role.UNIT_ADMIN,
)
PHONE_TAKEN = gettext_lazy(
    "该手机号码已登记在平台的另一账号下（姓名和身份证号码都与该账号一致才视为本人），不能为其办理；"
    "请核对，或联系单位管理员"
)
ID_NUMBER_TAKEN = gettext_lazy(
    "该身份证号码已登记在平台的另一账号下（姓名和身份证号码都与该账号一致才视为本人），不能为其办理；"
    "请核对，或联系单位管理员"
)
STAFF_ACCOUNT = gettext_lazy(
    "该人员的平台账号是工作人员或评估专家账号，不能由批量导入为其提交师承申请；请联系单位管理员"
)
JUST_FILED = gettext_lazy(
    "该申请人向意向传承人的申请刚被另一导入（或另一操作）提交，本批未写入任何数据；请核对后重新导入"
)
JUST_REGISTERED = gettext_lazy(
    "该手机号码或身份证号码刚被另一导入（或另一操作）登记，本批未写入任何数据；请稍后重新导入，"
    "届时按姓名和身份证号码核实是否为同一人"
)


def _phone(cell: Cell) -> str:
    try:
        return validate_mobile(cell.text)
    except ValidationError:
        raise Invalid(_("应为 11 位手机号码")) from None


def _id_number(cell: Cell) -> str:
    try:
        return validate_resident_id(cell.text)
    except ValidationError:
        raise Invalid(_("身份证号码无效（GB 11643 校验不通过）")) from None


def _choices(title: str, values, width: int = 16) -> Choices:
    return Choices(title, tuple(values), width=width)


COLUMNS: list[Column] = [
    Column("name", "姓名", True, width=10, help=gettext_lazy("申请人姓名")),
    Column(
        "phone",
        "手机号码",
        True,
        _phone,
        help=gettext_lazy("11 位手机号码；已在平台注册的申请人，姓名和身份证号码须与其账号一致"),
        width=14,
        text_format=True,
    ),
    Column(
        "id_number",
        "身份证号码",
        parse=_id_number,
        help=gettext_lazy("18 位居民身份证号码；本列须为文本格式；已在平台注册的申请人须填写，用于核实是否本人"),
        width=22,
        text_format=True,
    ),
    Column("organization", "工作单位", True, width=24, help=gettext_lazy("平台中已登记的单位全称")),
    Column(
        "region_code",
        "所在地区代码",
        True,
        width=14,
        help=gettext_lazy("6 位县级或 9 位乡级、12 位村级区划代码"),
        text_format=True,
    ),
    Column("title", "职称", True, choices=_choices("职称", TITLES), width=12, help=gettext_lazy("从下拉列表选择")),
    Column("specialty", "专业方向", True, width=20, help=gettext_lazy("如：针灸治疗中风后遗症"), max_length=200),
    Column("intention", "师承意向", width=30, help=gettext_lazy("希望学习的技术、病种或方向")),
    Column(
        "term", "师承期限", True, choices=_choices("师承期限", TERMS), width=10, help=gettext_lazy("从下拉列表选择")
    ),
    Column(
        "masters",
        "意向传承人证书编号",
        True,
        width=24,
        help=gettext_lazy("传承人证书编号，最多 %(n)s 个，用顿号「、」分隔") % {"n": MAX_INTENDED},
    ),
    Column(
        "folk",
        "是否民间中医",
        choices=Choices("是/否", (YES, NO), listed=False, width=8),
        width=10,
        help=gettext_lazy("填写「是」或「否」，空白视为「否」"),
    ),
    Column(
        "recommending_organization",
        "推荐单位",
        width=24,
        help=gettext_lazy("民间中医经单位推荐的，填写推荐单位全称"),
    ),
    Column(
        "credential",
        "认可证书",
        choices=_choices("认可证书", CREDENTIALS, 22),
        width=22,
        help=gettext_lazy("民间中医持有的认可证书，从下拉列表选择"),
    ),
    Column(
        "credential_issuer_level",
        "发证机关级别",
        choices=_choices("发证机关级别", LEVELS),
        width=12,
        help=gettext_lazy("从下拉列表选择；须为县级及以上"),
    ),
    *[
        Column(key, f"{Document(kind).label}文件", kind == Document.RESUME, width=26, help=FILE_HINT)
        for key, kind in FILE_COLUMNS.items()
    ],
]
SPEC = Spec(
    columns=COLUMNS,
    sheet=DATA_SHEET,
    sheet_required=True,
    unknown="ignore",
    max_rows=MAX_ROWS,
    lists_sheet=LISTS_SHEET,
)


@dataclass
class ImportResult:
    ok: bool
    rows: int = 0
    created: list[int] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=Issues)

    @property
    def summary(self) -> str:
        if not self.ok:
            return _("导入失败：发现 %(count)s 处错误，未写入任何数据。请按错误清单修改后重新导入。") % {
                "count": f"{len(self.errors):,}"
            }
        return _("导入成功：共 %(rows)s 行，已提交师承申请 %(count)s 份，等待初审。") % {
            "rows": f"{self.rows:,}",
            "count": f"{len(self.created):,}",
        }

    def error_workbook(self) -> bytes:
        return imports.error_workbook(self.errors)


# --- the template ---------------------------------------------------------------------------------


def build_template() -> bytes:
    workbook = imports.template(SPEC)
    imports.instructions(
        workbook,
        SPEC,
        name=HELP_SHEET,
        title=_("全国卫生健康技术推广传承应用项目 · 师承申请批量办理填写说明"),
        lines=[
            _("1. 在「%(sheet)s」工作表中每行填写一位申请人，从第 2 行开始；第 1 行的列标题不要修改。")
            % {"sheet": DATA_SHEET},
            _(
                "2. 申请人的材料（报名信息表、学历学位证书、医师资格证书、职称证书等）放在一个 .zip 压缩包中，"
                "在对应的「…文件」列填写压缩包中的文件名。文件按内容识别类型，改扩展名无效。"
            ),
            _(
                "3. 任何一行有错误时，整批都不会导入；请按错误清单（行、列、填写内容、规则）逐条修改后重新上传，"
                "也可下载标注了错误单元格的表格对照修改。"
            ),
            _(
                "4. 申请条件按意向传承人的层级核验（000 §五(二)）：国医大师、院士和突出贡献专家的师承人须副主任医师及以上；"
                "名老中医、资深专家的师承人须主治医师及以上；知名专家的师承人须住院医师（传统医学也可为助理医师）及以上。"
            ),
            _(
                "5. 民间中医经相关单位推荐（填写推荐单位并附推荐函），或持有县级及以上卫生健康行政主管部门认可证书"
                "（医术确有专长证书、师承证书、中医药适宜技术培训证书）的，可申请成为传统医学传承人的师承人。"
            ),
            _("6. 同一申请人向同一传承人的申请尚在办理中的，不能重复申请。"),
            _("7. 不要合并单元格，不要使用公式。"),
            _("8. 本表含个人信息，请妥善保管。"),
        ],
    )
    return imports.to_bytes(workbook)


# --- the batch ------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """The documents' zip, with the limits of a workbook's container (lib/xlsx.open_zip)."""
    return open_zip(
        data,
        label=_("材料压缩包"),
        not_zip=_("材料压缩包不是 .zip 格式，请用 ZIP 格式压缩后上传"),
        corrupt=_("材料压缩包已损坏，无法打开"),
    )


@dataclass
class _Found:
    """What a row names, looked up."""

    applicant: User | None = None  # an existing account, only when it is the row's person
    person: tuple = ()  # who the row is within the batch: ("user", pk) or ("row", first line)
    phone_hash: str = ""
    id_number_hash: str = ""
    organization: Organization | None = None
    region: Region | None = None
    recommending: Organization | None = None
    masters: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # kind → (original name, accepted upload, mime)


def application_import(
    *, actor: User, organization: Organization, workbook: bytes, archive: bytes | None
) -> ImportResult:
    """Check the whole batch, then write it in one transaction: applicants (an existing account only
    when its name and ID number are the row's, else registered), applications submitted on their
    behalf, documents, intended masters."""
    authorize(actor, "apprentice_application.import", organization)
    if organization.kind != Organization.Kind.ORGANIZING:
        raise ApplicationError(_("只有承办单位可以统一办理师承申请"), field="organization")
    zip_file = _check_zip(archive) if archive else None
    members = {posixpath.normpath(m.filename): m for m in zip_file.infolist() if not m.is_dir()} if zip_file else {}
    seen_pairs: dict[tuple[tuple, int], int] = {}
    batch_people: dict[tuple[str, str], tuple[int, str, str]] = {}

    def check_row(row: Row) -> None:
        found = row.values["found"] = _Found()
        if any(not row.texts.get(c.key) for c in COLUMNS if c.required) or any(
            row.texts.get(c.key) and c.key not in row.values for c in COLUMNS if c.choices
        ):
            return  # the rules of a row need its required cells and its choices
        _check_row(row, found, members, zip_file)
        _same_person_in_batch(row, found, batch_people)
        for master in found.masters:
            pair = (found.person, master.pk)
            if pair in seen_pairs:
                rule = _("与第 %(line)s 行重复：同一申请人不能重复申请同一传承人") % {"line": seen_pairs[pair]}
                row.fail("masters", rule, value=master.certificate_number)
            seen_pairs[pair] = row.line

    try:
        outcome = imports.run(
            SPEC,
            workbook,
            check_row=check_row,
            write=lambda rows, progress: _write(rows, actor, organization),
            max_rows=MAX_ROWS,
        )
    except _Conflict as conflict:  # the batch was rolled back; its row says why
        upload = conflict.row.upload
        return ImportResult(ok=False, rows=len(upload.data), errors=upload.issues)
    return ImportResult(ok=outcome.ok, rows=outcome.rows, created=outcome.written or [], errors=outcome.issues)


def _check_row(row: Row, found: _Found, members: dict, zip_file) -> None:
    v = row.texts
    found.organization = Organization.objects.filter(name=v["organization"]).first()
    if found.organization is None:
        row.fail("organization", _("平台中没有这个单位，请填写已登记单位的全称"))
    found.region = Region.objects.filter(code=v["region_code"]).first()
    if found.region is None:
        row.fail("region_code", _("没有这个行政区划代码"))
    numbers = [n.strip() for n in v["masters"].replace(",", "、").replace("，", "、").split("、") if n.strip()]
    if len(numbers) > MAX_INTENDED:
        row.fail("masters", _("意向传承人最多 %(n)s 位") % {"n": MAX_INTENDED})
    certified = {
        m.certificate_number: m
        for m in Master.objects.filter(certificate_number__in=numbers, status=Master.Status.CERTIFIED)
    }
    for n in numbers:
        if n not in certified:
            row.fail("masters", _("「%(number)s」不是已认证传承人的证书编号") % {"number": n})
    found.masters = [certified[n] for n in numbers if n in certified]
    if v.get("recommending_organization"):
        found.recommending = Organization.objects.filter(name=v["recommending_organization"]).first()
        if found.recommending is None:
            row.fail("recommending_organization", _("平台中没有这个单位"))
    found.applicant = _registered_account(row, found)
    if found.applicant is not None and found.masters:
        taken = IntendedMaster.objects.filter(
            applicant=found.applicant, master__in=found.masters, is_open=True
        ).select_related("master")
        for intent in taken:
            rule = _("该申请人向「%(master)s」的申请尚在办理中，不能重复申请") % {"master": intent.master.name}
            row.fail("masters", rule)
    # The documents, typed by content.
    for key, kind in FILE_COLUMNS.items():
        name = v.get(key)
        if not name:
            continue
        member = members.get(posixpath.normpath(name))
        if member is None:
            row.fail(key, _("压缩包中没有这个文件") if zip_file else _("填写了文件名，但没有上传材料压缩包"))
            continue
        if member.file_size > MAX_DOCUMENT_BYTES:
            row.fail(key, _("文件不能超过 %(mb)s MB") % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)})
            continue
        # Through the same door as a document uploaded one by one: typed by content (an archive
        # inside the archive is refused) and renamed to what it is, so it is stored under a name
        # of the server's; the name in the zip stays as the document's original name.
        upload = SimpleUploadedFile(posixpath.basename(name), zip_file.read(member))
        original_name = upload.name
        try:
            mime = accept_upload(
                upload, allowed=DOCUMENT_TYPES, field_label=Document(kind).label, max_bytes=MAX_DOCUMENT_BYTES
            )
        except ValidationError as exc:
            row.fail(key, exc.messages[0])
            continue
        found.files[kind] = (original_name, upload, mime)
    facts = Facts(
        title=TITLES.get(v["title"], Title.NONE),
        is_folk_practitioner=v.get("folk") == YES,
        recommended=found.recommending is not None and Document.RECOMMENDATION in found.files,
        credential=CREDENTIALS.get(v.get("credential", ""), ""),
        credential_issuer_level=LEVELS.get(v.get("credential_issuer_level", ""), ""),
        credential_uploaded=Document.CREDENTIAL in found.files,
    )
    for kind in required_documents(facts):
        if kind not in found.files:
            key = next(k for k, kd in FILE_COLUMNS.items() if kd == kind)
            row.fail(key, _("缺少材料「%(document)s」（000 §四(一)）") % {"document": Document(kind).label})
    for master in found.masters:
        decision = decide(facts, master.tier)
        if not decision.passed:
            rule = _("向%(tier)s「%(master)s」申请不符合 %(rule)s「%(clause)s」（%(detail)s）") % {
                "tier": master.get_tier_display(),
                "master": master.name,
                "rule": decision.rule_id,
                "clause": decision.clause_text,
                "detail": decision.detail,
            }
            row.fail("masters", rule)


def _name(text: str) -> str:
    return "".join(text.split())


def _registered_account(row: Row, found: _Found) -> User | None:
    """The row's person's account, if registered. An account found by the phone or by the ID number
    is theirs only when both its name and its ID number are the row's: a phone, or a name, is no
    proof of who someone is. Any other account that holds the phone or the ID number refuses the
    row, without a word of whose it is."""
    phone, id_number = row.values.get("phone", ""), row.values.get("id_number", "")
    found.phone_hash = fieldcrypt.phone_hash(phone) if phone else ""
    found.id_number_hash = fieldcrypt.keyed_hash(id_number) if id_number else ""
    by_phone = User.objects.filter(phone_hash=found.phone_hash).first() if found.phone_hash else None
    by_id_number = User.objects.filter(id_number_hash=found.id_number_hash).first() if found.id_number_hash else None

    def is_the_person(user: User) -> bool:
        return (
            bool(found.id_number_hash)
            and user.id_number_hash == found.id_number_hash
            and (_name(user.full_name) == _name(row.texts["name"]))
        )

    refused = False
    if by_phone is not None and not is_the_person(by_phone):
        row.fail("phone", str(PHONE_TAKEN))
        refused = True
    if by_id_number is not None and not is_the_person(by_id_number):
        row.fail("id_number", str(ID_NUMBER_TAKEN))
        refused = True
    account = by_id_number or by_phone  # one account when both are the person (the hashes are unique)
    if refused or account is None:
        return None
    if account.is_staff or account.is_superuser or account.memberships.filter(role__in=STAFF_ROLES).exists():
        row.fail("phone" if by_phone else "id_number", str(STAFF_ACCOUNT))
        return None
    return account


def _same_person_in_batch(row: Row, found: _Found, people: dict[tuple[str, str], tuple[int, str, str]]) -> None:
    """Rows of one batch with the same phone or ID number are one person, and so must agree on the
    name and the ID number; the first of them registers the account the others use."""
    name, first = _name(row.texts["name"]), row.line
    if found.phone_hash:
        line, other_name, other_id = people.setdefault(
            ("phone", found.phone_hash), (row.line, name, found.id_number_hash)
        )
        if (other_name, other_id) != (name, found.id_number_hash):
            row.fail("phone", _("与第 %(line)s 行的手机号码相同，但姓名或身份证号码不同") % {"line": line})
        first = min(first, line)
    if found.id_number_hash:
        line, other_name, _other_id = people.setdefault(("id", found.id_number_hash), (row.line, name, ""))
        if other_name != name:
            row.fail("id_number", _("与第 %(line)s 行的身份证号码相同，但姓名不同") % {"line": line})
        first = min(first, line)
    found.person = ("user", found.applicant.pk) if found.applicant else ("row", first)


class _Conflict(Exception):
    """Between the check and the write, someone else (another import of the same row, at the same
    moment) registered the row's person or filed the same application: the whole batch is rolled
    back, and the row, already failed, says why."""

    def __init__(self, row: Row):
        super().__init__(row.line)
        self.row = row


def _register(row: Row, found: _Found, actor: User) -> User:
    """A new account for the row's person. The unique phone and ID-number hashes decide a race:
    the loser's insert fails in its own savepoint, and its row is reported, never a 500."""
    try:
        with transaction.atomic():
            return accounts_services.user_create(
                username=_free_username(row.values["phone"]),
                password=None,
                full_name=row.texts["name"],
                region=found.region,
                phone=row.values["phone"],
                id_number=row.values.get("id_number", ""),
                actor=actor,
            )
    except (IntegrityError, ApplicationError) as exc:
        if isinstance(exc, ApplicationError) and exc.field not in ("username", "phone", "id_number"):
            raise
        row.fail("phone", str(JUST_REGISTERED))
        raise _Conflict(row) from exc


def _write(rows: list[Row], actor: User, organization: Organization) -> list[int]:
    """Runs inside the import's transaction (lib/imports.run)."""
    now = timezone.now()
    created = []
    registered: dict[tuple, User] = {}  # a person of the batch → the account their first row made
    for row in rows:
        v, found = row.texts, row.values["found"]
        applicant = found.applicant or registered.get(found.person)
        if applicant is None:
            applicant = registered[found.person] = _register(row, found, actor)
        accounts_services.membership_grant(
            user=applicant, organization=found.organization, role=Membership.Role.APPLICANT, actor=actor
        )
        application = ApprenticeApplication.objects.create(
            applicant=applicant,
            name=v["name"],
            organization=found.organization,
            region=found.region,
            title=TITLES[v["title"]],
            specialty=v["specialty"],
            intention=v.get("intention", ""),
            term=TERMS[v["term"]],
            is_folk_practitioner=v.get("folk") == YES,
            recommending_organization=found.recommending,
            credential=CREDENTIALS.get(v.get("credential", ""), ""),
            credential_issuer_level=LEVELS.get(v.get("credential_issuer_level", ""), ""),
            entered_by_organization=organization,
            # Submitted on the person's behalf by the organizing unit: it starts in review round 1.
            status=ApprenticeApplication.Status.SUBMITTED,
            round=1,
            submitted_at=now,
        )
        try:  # one open application per applicant and master (a unique constraint) decides a race
            with transaction.atomic():
                IntendedMaster.objects.bulk_create(
                    [
                        IntendedMaster(application=application, master=m, applicant=applicant, position=i)
                        for i, m in enumerate(found.masters, start=1)
                    ]
                )
        except IntegrityError as exc:
            row.fail("masters", str(JUST_FILED))
            raise _Conflict(row) from exc
        for kind, (name, upload, mime) in found.files.items():
            ApplicationDocument.objects.create(
                application=application,
                kind=kind,
                file=upload,
                original_name=name[-200:],
                content_type=mime,
                size=upload.size,
                round=1,
                uploaded_by=actor,
            )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=application,
            to_state="待初审",
            reason=f"{organization.name}统一办理（批量导入第 {row.line} 行）",
        )
        # Notices, like the audit log, are written in the programme's language. The application
        # starts submitted (no transition), so its notices are sent here, not from a NOTIFY map.
        with translation.override("zh-hans"):
            notify(
                recipients=[applicant],
                title=_("承办单位已为您提交师承申请"),
                body=_("%(org)s统一办理，等待初审。") % {"org": organization.name},
                url=reverse("apprenticeships:application-detail", args=[application.pk]),
            )
        created.append(application.pk)
    with translation.override("zh-hans"):
        notify(
            recipients=_programme_people(Organization.Kind.ORGANIZING, (Membership.Role.REVIEWER,)),
            title=_("批量导入的师承申请待初审：%(count)s 份") % {"count": len(created)},
            body=_("%(org)s统一办理。") % {"org": organization.name},
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
