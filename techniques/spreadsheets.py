"""The spreadsheet channel's workbooks: the declaration template, the list export and the sheet
of import errors. The columns of the template are declared once here; techniques/importing.py
reads a filled template back against the same declaration.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import Region
from techniques.models import TechniqueHolder, Term, Vocabulary

DATA_SHEET = "技术申报"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
ERRORS_SHEET = "导入错误"
EXPORT_SHEET = "优势技术清单"

# The programme collects the techniques of 运城市 (003 §三(一)): region codes start with its prefix.
CITY_PREFIX = "1408"
CITY_NAME = "运城市"
MAX_ROWS = 20_000
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool = False
    width: int = 16
    hint: str = ""
    # "text" (any text), "code" (region code), "term" (one term), "terms" (、-separated terms),
    # "yesno", "id_number", "phone".
    kind: str = "text"
    max_length: int | None = None

    @property
    def header(self) -> str:
        return f"{self.title}*" if self.required else self.title


TEXT_HINT = "可换行；不限字数"
COLUMNS: list[Column] = [
    Column("name", "技术名称", True, 24, "技术的通用名称，不超过 100 个字", max_length=100),
    Column(
        "region_code",
        "所在地区代码",
        True,
        16,
        "12 位村级区划代码（也可填乡镇 9 位、县 6 位），可从下拉列表选择；须在录入单位辖区内",
        kind="code",
    ),
    Column("region_name", "所在地区名称", False, 22, "仅供核对，导入时以代码为准"),
    Column("category", "技术类别", True, 24, "从下拉列表选择", kind="term"),
    Column("inheritance", "传承方式", True, 12, "从下拉列表选择：家族传承、师承、自学、其他", kind="term"),
    Column("holder_name", "持有人姓名", True, 12, "每行填写一位持有人；其他持有人导入后在页面上补充", max_length=64),
    Column(
        "holder_id_number",
        "持有人身份证号码",
        False,
        22,
        "18 位居民身份证号码；本列须为文本格式，否则 Excel 会把号码改成科学计数法",
        kind="id_number",
    ),
    Column("holder_phone", "持有人手机号码", False, 15, "11 位手机号码", kind="phone"),
    Column("holder_qualifications", "持有人资格与证书", False, 24, "如：中医（专长）医师资格证书", max_length=300),
    Column("holder_specialist", "是否中医专长医师", False, 12, "填写「是」或「否」，空白视为「否」", kind="yesno"),
    Column("origin_history", "源流与历史", False, 36, TEXT_HINT),
    Column("theory_features", "理论与治疗特色", True, 36, TEXT_HINT),
    Column("operation_method", "操作方法或制备工艺", True, 36, TEXT_HINT),
    Column(
        "diseases", "治疗病种", False, 24, "多个病名用顿号「、」分隔；不在标准病名表中的记为其他适应证", kind="terms"
    ),
    Column("syndromes", "证候", False, 24, "多个证候用顿号「、」分隔；不在标准证候表中的记为其他适应证", kind="terms"),
    Column("features", "治法特色", False, 20, "多个治法用顿号「、」分隔；须为治法特色词表中的术语", kind="terms"),
    Column("indications_free", "其他适应证", False, 24, "标准病名、证候表以外的适应证", max_length=500),
    Column("contraindications", "禁忌与风险", False, 30, TEXT_HINT),
    Column("typical_cases", "典型病例与疗效", False, 36, TEXT_HINT),
    Column("consent_publish", "同意公开", True, 10, "持有人是否同意公开该技术：填写「是」或「否」", kind="yesno"),
    Column("consent_research", "同意用于研究", True, 12, "持有人是否同意用于研究：填写「是」或「否」", kind="yesno"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
TERM_VOCABULARY = {
    "category": Vocabulary.CATEGORY,
    "inheritance": Vocabulary.INHERITANCE,
    "diseases": Vocabulary.DISEASE,
    "syndromes": Vocabulary.SYNDROME,
    "features": Vocabulary.FEATURE,
}

HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL = PatternFill("solid", fgColor="E7E6E6")
WRAP = Alignment(wrap_text=True, vertical="top")


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


def _active_terms(vocabulary: str) -> list[str]:
    return list(Term.objects.filter(vocabulary=vocabulary, is_active=True).values_list("name", flat=True))


def _list_validation(formula: str, column: Column, *, strict: bool = True) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=strict,
        showInputMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle=f"{column.title}填写有误",
        error=f"请从下拉列表中选择{column.title}",
        promptTitle=column.title,
        prompt=column.hint[:255],
    )
    return validation


def build_template() -> bytes:
    """The declaration template: the data sheet, the instructions and the hidden option lists."""
    categories = _active_terms(Vocabulary.CATEGORY)
    inheritances = _active_terms(Vocabulary.INHERITANCE)
    regions = city_regions()

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append([c.header for c in COLUMNS])
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30
    last_row = MAX_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.alignment = Alignment(vertical="center", horizontal="center", wrap_text=True)
        cell.comment = Comment(
            ("必填。" if column.required else "选填。") + column.hint, "传承平台", width=240, height=90
        )
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.kind in ("code", "id_number", "phone"):
            # A column formatted as text keeps 18-digit ID numbers and leading zeros as typed.
            dimension.number_format = "@"

    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    lists.append(["技术类别", "传承方式", "是/否", "区划代码", "名称", "全称"])
    for i in range(max(len(categories), len(inheritances), 2, len(regions))):
        lists.append(
            [
                categories[i] if i < len(categories) else None,
                inheritances[i] if i < len(inheritances) else None,
                (YES, NO)[i] if i < 2 else None,
                regions[i][0] if i < len(regions) else None,
                regions[i][1] if i < len(regions) else None,
                regions[i][2] if i < len(regions) else None,
            ]
        )
    for letter, width in zip("ABCDEF", (26, 12, 8, 16, 20, 36), strict=True):
        lists.column_dimensions[letter].width = width

    def ref(letter: str, count: int) -> str:
        return f"'{LISTS_SHEET}'!${letter}$2:${letter}${count + 1}"

    sources = {
        "category": ref("A", len(categories)),
        "inheritance": ref("B", len(inheritances)),
        "region_code": ref("D", len(regions)),
    }
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        if column.key in sources:
            validation = _list_validation(sources[column.key], column)
        elif column.kind == "yesno":
            validation = _list_validation(ref("C", 2), column)
        else:
            continue
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)

    _instructions(workbook.create_sheet(HELP_SHEET, 1), categories, inheritances)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(sheet, categories: list[str], inheritances: list[str]) -> None:
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 70
    sheet.append(["运城市中医药优势技术申报表 · 批量导入填写说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    general = [
        f"1. 在「{DATA_SHEET}」工作表中每行填写一项技术，从第 2 行开始；第 1 行的列标题不要修改、删除或调换。",
        "2. 带 * 的列为必填项。「同意公开」「同意用于研究」必须由持有人本人确认后填写「是」或「否」。",
        f"3. 一个文件最多 {MAX_ROWS:,} 行。任何一行有错误时，整个文件都不会导入；请按错误清单逐条修改后重新上传。",
        "4. 不要合并单元格，不要使用公式（如需从其他表格复制，请「选择性粘贴 → 数值」）。",
        "5. 身份证号码、手机号码、区划代码三列已设为文本格式；如从其他文件粘贴，请先把目标列设为「文本」，"
        "否则 18 位身份证号码会被 Excel 改成科学计数法而丢失末几位。",
        f"6. 所在地区代码可从下拉列表选择，代码与名称对照见隐藏的「{LISTS_SHEET}」工作表"
        "（在任一工作表标签上点右键 →「取消隐藏」）。地区须在录入单位的辖区内。",
        "7. 治疗病种、证候、治法特色可填写多个，用顿号「、」分隔。病种、证候不在国家标准表中的，会记入"
        "「其他适应证」并标记待核；治法特色须使用词表中的术语。",
        "8. 与系统中已有申报同名且持有人身份证号相同（或同名且在同一村）的，仍会导入，但会列为「疑似重复」，"
        "由工作人员核对，不会自动合并。",
        "9. 导入的申报默认为草稿，由录入单位核对后提交；也可在导入时选择「导入后直接提交」。",
        "10. 本表含个人信息，请妥善保管，传输和存放时注意保密。",
    ]
    sheet.append([])
    for line in general:
        sheet.append([line])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
        sheet.cell(row=sheet.max_row, column=1).alignment = WRAP
        sheet.row_dimensions[sheet.max_row].height = 32
    sheet.append([])
    sheet.append(["列名", "必填", "填写要求"])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL
    for column in COLUMNS:
        hint = column.hint
        if column.key == "category":
            hint += "：" + "、".join(categories)
        elif column.key == "inheritance":
            hint = "从下拉列表选择：" + "、".join(inheritances)
        sheet.append([column.header, "是" if column.required else "", hint])
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    sheet.append([])
    sheet.append(["示例"])
    sheet.cell(row=sheet.max_row, column=1).font = HEADER_FONT
    example = {
        "name": "王氏小儿推拿",
        "region_code": "140802001001",
        "region_name": "盐湖区中城街道西花园社区居委会",
        "category": categories[0] if categories else "",
        "inheritance": inheritances[0] if inheritances else "",
        "holder_name": "王某某",
        "holder_phone": "13903590000",
        "holder_specialist": "是",
        "theory_features": "……",
        "operation_method": "……",
        "diseases": "小儿泄泻、疳积",
        "consent_publish": "是",
        "consent_research": "否",
    }
    for column in COLUMNS:
        if example.get(column.key):
            sheet.append([column.header, "", example[column.key]])


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


def write_export(queryset: QuerySet, target: IO[bytes]) -> int:
    """Writes the techniques of `queryset` (in its order) to `target` as xlsx; returns the row
    count. Holders' identity numbers and phones stay out: the list travels by e-mail and USB stick."""
    full_names = {code: full for code, _name, full in city_regions()}
    workbook = Workbook(write_only=True)
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
                technique.get_protection_display(),
                technique.get_grade_display() if technique.grade else "",
                technique.management_class,
                technique.get_channel_display(),
                technique.entered_org.name if technique.entered_org else "",
                _local(technique.submitted_at),
                _local(technique.updated_at),
            ]
        )
        count += 1
    workbook.save(target)
    return count


def build_export(queryset: QuerySet) -> bytes:
    buffer = io.BytesIO()
    write_export(queryset, buffer)
    return buffer.getvalue()


# --- import errors ------------------------------------------------------------------------------

ERROR_HEADERS = [("行号", 8), ("列", 22), ("值", 40), ("规则", 80)]


def errors_workbook(errors: Iterable) -> bytes:
    """The sheet 「导入错误」: one row per error (行号, 列, 值, 规则), for the person fixing the file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(ERRORS_SHEET)
    sheet.freeze_panes = "A2"
    for index, (_title, width) in enumerate(ERROR_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for title, _width in ERROR_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL
        header.append(cell)
    sheet.append(header)
    for error in errors:
        # The value goes in as text: an error sheet must not turn "=A1" back into a formula.
        value = WriteOnlyCell(sheet, value=error.value)
        value.data_type = "s"
        sheet.append([error.row if error.row else "—", error.column or "—", value, error.rule])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
