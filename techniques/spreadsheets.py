"""The spreadsheet channel's workbooks: the declaration template and the list export. The columns
are declared once, with their parsers, in techniques/importing.py; the template is built from
that declaration by lib/imports, and the import reads a filled template back against it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import IO

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from accounts.models import Organization
from accounts.permissions import authorize, scope
from lib import imports
from lib.imports import HEADER_FONT, OPTIONAL_FILL
from lib.xlsx import SafeWorkbook
from techniques.importing import (
    COLUMNS,
    DATA_SHEET,
    HELP_SHEET,
    LISTS_SHEET,
    MAX_ROWS,
    NO,
    SPEC,
    YES,
    city_regions,
)
from techniques.models import ProtectionRecord, Technique, TechniqueHolder, Term
from techniques.selectors import filter_techniques
from workflow.models import AuditEntry
from workflow.services import audit_record

__all__ = ["COLUMNS", "DATA_SHEET", "HELP_SHEET", "LISTS_SHEET", "MAX_ROWS", "build_template", "write_export"]

EXPORT_SHEET = "优势技术清单"


def build_template() -> bytes:
    """The declaration template: the data sheet, the instructions and the hidden option lists
    (with each region's name and full name beside its code, for looking codes up)."""
    workbook = imports.template(SPEC)
    lists = workbook[LISTS_SHEET]
    column = len(SPEC.lists) + 1
    lists.cell(row=1, column=column, value="名称")
    lists.cell(row=1, column=column + 1, value="全称")
    for line, (_code, name, full_name) in enumerate(city_regions(), start=2):
        lists.cell(row=line, column=column, value=name)
        lists.cell(row=line, column=column + 1, value=full_name)
    lists.column_dimensions[get_column_letter(column)].width = 20
    lists.column_dimensions[get_column_letter(column + 1)].width = 36
    categories = SPEC.lists[0].resolve()
    imports.instructions(
        workbook,
        SPEC,
        name=HELP_SHEET,
        title=_("运城市中医药优势技术申报表 · 批量导入填写说明"),
        lines=_instructions(),
        example={
            "name": "王氏小儿推拿",
            "region_code": "140802001001",
            "region_name": "盐湖区中城街道西花园社区居委会",
            "category": categories[0] if categories else "",
            "inheritance": (SPEC.lists[1].resolve() or [""])[0],
            "holder_name": "王某某",
            "holder_phone": "13903590000",
            "holder_specialist": "是",
            "theory_features": "……",
            "operation_method": "……",
            "diseases": "小儿泄泻、疳积",
            "consent_publish": "是",
            "consent_research": "否",
        },
    )
    return imports.to_bytes(workbook)


def _instructions() -> list[str]:
    return [
        _("1. 在「%(sheet)s」工作表中每行填写一项技术，从第 2 行开始；第 1 行的列标题不要修改、删除或调换。")
        % {"sheet": DATA_SHEET},
        _("2. 带 * 的列为必填项。「同意公开」「同意用于研究」必须由持有人本人确认后填写「是」或「否」。"),
        _("3. 一个文件最多 %(rows)s 行。任何一行有错误时，整个文件都不会导入；请按错误清单逐条修改后重新上传。")
        % {"rows": f"{MAX_ROWS:,}"},
        _("4. 不要合并单元格，不要使用公式（如需从其他表格复制，请「选择性粘贴 → 数值」）。"),
        _(
            "5. 身份证号码、手机号码、区划代码三列已设为文本格式；如从其他文件粘贴，请先把目标列设为「文本」，"
            "否则 18 位身份证号码会被 Excel 改成科学计数法而丢失末几位。"
        ),
        _(
            "6. 所在地区代码可从下拉列表选择，代码与名称对照见隐藏的「%(lists)s」工作表"
            "（在任一工作表标签上点右键 →「取消隐藏」）。地区须在录入单位的辖区内。"
        )
        % {"lists": LISTS_SHEET},
        _(
            "7. 治疗病种、证候、治法特色可填写多个，用顿号「、」分隔。病种、证候不在国家标准表中的，会记入"
            "「其他适应证」并标记待核；治法特色须使用词表中的术语。"
        ),
        _(
            "8. 与系统中已有申报同名且持有人身份证号相同（或同名且在同一村）的，仍会导入，但会列为「疑似重复」，"
            "由工作人员核对，不会自动合并。"
        ),
        _("9. 导入的申报默认为草稿，由录入单位核对后提交；也可在导入时选择「导入后直接提交」。"),
        _(
            "10. 导入失败时可下载错误清单：原表中有问题的单元格标成红色并附批注说明规则，"
            "身份证号码和手机号码不保留在清单中，请在原文件中修改后重新上传。"
        ),
        _("11. 本表含个人信息，请妥善保管，传输和存放时注意保密。"),
    ]


# --- export -----------------------------------------------------------------------------------

EXPORT_HEADERS = [
    ("编号", 16),
    ("技术名称", 24),
    ("状态", 10),
    ("所在地区代码", 14),
    ("所在地区", 30),
    ("技术类别", 22),
    ("传承方式", 10),
    ("持有人", 16),
    ("治疗病种", 24),
    ("证候", 24),
    ("治法特色", 20),
    ("其他适应证", 24),
    ("同意公开", 8),
    ("同意用于研究", 8),
    ("保护状态", 14),
    ("等级", 8),
    ("管理类别", 12),
    ("申报渠道", 10),
    ("录入单位", 20),
    ("提交时间", 18),
    ("更新时间", 18),
]
EXPORT_CHUNK = 2000


def _names(items: Iterable) -> str:
    return "、".join(item.name for item in items)


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def write_export(queryset: QuerySet, target: IO[bytes], *, progress: Callable[[int], None] | None = None) -> int:
    """Writes the techniques of `queryset` (in its order) to `target` as xlsx; returns the row
    count. Holders' identity numbers and phones stay out: the list travels by e-mail and USB stick.
    `progress(rows)` is called after every EXPORT_CHUNK rows (a background export's bar)."""
    full_names = {code: full for code, _name, full in city_regions()}
    workbook = SafeWorkbook(write_only=True)
    sheet = workbook.create_sheet(EXPORT_SHEET)
    sheet.freeze_panes = "A2"
    for index, (_title, width) in enumerate(EXPORT_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for title, _width in EXPORT_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL
        header.append(cell)
    sheet.append(header)
    rows = (
        queryset.select_related("category", "inheritance", "entered_org")
        .prefetch_related(
            Prefetch("holders", queryset=TechniqueHolder.objects.only("pk", "technique_id", "name", "is_primary")),
            Prefetch("diseases", queryset=Term.objects.only("pk", "name")),
            Prefetch("syndromes", queryset=Term.objects.only("pk", "name")),
            Prefetch("features", queryset=Term.objects.only("pk", "name")),
            Prefetch("protections", queryset=ProtectionRecord.objects.only("pk", "technique_id", "kind", "level")),
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    count = 0
    for technique in rows:
        sheet.append(
            [
                technique.code or "",
                technique.name,
                technique.get_status_display(),
                technique.region_id,
                full_names.get(technique.region_id, technique.region_id),
                technique.category.name if technique.category else "",
                technique.inheritance.name if technique.inheritance else "",
                _names(technique.holders.all()),
                _names(technique.diseases.all()),
                _names(technique.syndromes.all()),
                _names(technique.features.all()),
                technique.indications_free,
                YES if technique.consent_publish else NO,
                YES if technique.consent_research else NO,
                technique.protection_label,
                technique.get_grade_display() if technique.grade else "",
                technique.management_class,
                technique.get_channel_display(),
                technique.entered_org.name if technique.entered_org else "",
                _local(technique.submitted_at),
                _local(technique.updated_at),
            ]
        )
        count += 1
        if progress is not None and count % EXPORT_CHUNK == 0:
            progress(count)
    workbook.save(target)
    return count


def staff_organizations(user) -> QuerySet:
    """The units a person may enter paper declarations for: those where they are office staff."""
    if user.is_superuser:
        return Organization.objects.select_related("region").order_by("name")
    return (
        Organization.objects.filter(memberships__user=user, memberships__role="office_staff")
        .select_related("region")
        .distinct()
        .order_by("name")
    )


def export_selection(*, actor, params) -> QuerySet:
    """What `actor` may export under the list's filters `params`: their scope, decided when the
    rows are read (a background export of someone who lost the role meanwhile is refused)."""
    authorize(actor, "technique.export")
    visible = scope(actor, "technique.view", Technique.objects.all())
    return filter_techniques(visible, params)


def export_filename() -> str:
    return _("优势技术清单-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"}


def technique_export(
    *, actor, params: QueryDict, target: IO[bytes], progress: Callable[[int], None] | None = None
) -> int:
    """Writes the techniques `actor` may see under the filters `params` to `target`; the export is
    audited with its row count and filters. Returns the row count."""
    rows = write_export(export_selection(actor=actor, params=params), target, progress=progress)
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=actor,
        organization=staff_organizations(actor).first(),
        to_state=f"{rows} 项",
        reason=f"导出优势技术清单（{rows} 项）；筛选条件：{params.urlencode() or '无'}",
    )
    return rows


def build_export(queryset: QuerySet) -> bytes:
    buffer = io.BytesIO()
    write_export(queryset, buffer)
    return buffer.getvalue()
