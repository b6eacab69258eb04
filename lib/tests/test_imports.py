"""The import pipeline itself (lib/imports.py): a spec of two or three columns, sheets built with
openpyxl, and the error workbook read back with openpyxl."""

import io

import openpyxl
import pytest
from django.db import connection

from lib import imports
from lib.imports import Choices, Column, Invalid, Refused, Spec

YES_NO = Choices("是/否", ("是", "否"), listed=False)


def _age(cell: imports.Cell) -> int:
    if not cell.text.isdigit() or int(cell.text) > 120:
        raise Invalid("应为 0 到 120 之间的整数")
    return int(cell.text)


SPEC = Spec(
    columns=[
        Column("name", "姓名", required=True, help="患者姓名", aliases=("患者姓名",)),
        Column("age", "年龄", parse=_age, help="整数岁数"),
        Column("consent", "同意", required=True, choices=YES_NO, help="是或否"),
    ],
    sheet="名单",
    max_rows=100,
)


def sheet(rows: list[list], *, header=("姓名*", "年龄", "同意*"), title="名单", merge: str = "") -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = title
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(data: bytes, spec: Spec = SPEC, **kwargs):
    written = []

    def write(rows, progress):
        assert connection.in_atomic_block  # one transaction for the whole sheet
        written.extend(rows)
        progress(len(rows), len(rows), "write")
        return len(rows)

    return imports.run(spec, data, write=write, **kwargs), written


def issues(outcome) -> list[tuple]:
    return [(i.row, i.column, i.value, i.rule) for i in outcome.issues]


def marked(outcome, ref: str, title: str = "名单"):
    book = openpyxl.load_workbook(io.BytesIO(imports.error_workbook(outcome.issues)))
    return book, book[title][ref]


def test_a_clean_sheet_is_written_with_parsed_values(db):
    stages = []
    outcome, written = run(sheet([["王秀英", 52, "是"], ["赵建国", "", "否"]]), progress=lambda *a: stages.append(a))
    assert outcome.ok and outcome.written == 2 and outcome.rows == 2
    assert [(r.line, r.values) for r in written] == [
        (2, {"name": "王秀英", "age": 52, "consent": "是"}),
        (3, {"name": "赵建国", "consent": "否"}),
    ]
    assert stages == [(2, 2, "check"), (2, 2, "write")]


def test_a_bad_cell_is_reported_with_row_column_value_and_rule_and_nothing_is_written(db):
    outcome, written = run(sheet([["王秀英", 52, "是"], ["赵建国", "一百五", "也许"], ["", 30, "否"]]))
    assert not outcome.ok and written == []
    assert issues(outcome) == [
        (3, "年龄", "一百五", "应为 0 到 120 之间的整数"),
        (3, "同意*", "也许", "应从下拉列表中选择：是、否"),
        (4, "姓名*", "", "必填项，不能为空"),
    ]
    assert str(outcome.issues[0]) == "第 3 行 · 年龄 · 一百五 · 应为 0 到 120 之间的整数"
    assert str(outcome.issues[2]) == "第 4 行 · 姓名* · （空） · 必填项，不能为空"


def test_headers_match_by_alias_in_any_order_with_or_without_the_mark(db):
    spec = Spec(columns=SPEC.columns, sheet="名单", all_headers=False)
    outcome, written = run(sheet([["否", "王秀英"]], header=("同意", "患者姓名")), spec)
    assert outcome.ok and written[0].values == {"name": "王秀英", "consent": "否"}


def test_unknown_duplicated_and_missing_headers_are_named_on_the_header_row(db):
    outcome, written = run(sheet([["王秀英", "是", "x", "否"]], header=("姓名", "同意", "备注", "同意")))
    assert not outcome.ok and written == []
    assert issues(outcome) == [
        (1, "C 列", "备注", "无法识别的列「备注」；列标题须与模板一致，请下载最新模板"),
        (1, "同意*", "同意*", "列「同意*」出现了 2 次（B 列、D 列），每列只能出现一次"),
        (1, "年龄", "", "缺少「年龄」列（现有列：姓名、同意、备注、同意）"),
    ]


def test_explanatory_rows_under_the_header_are_skipped(db):
    spec = Spec(columns=SPEC.columns, sheet="名单", header_row="search", all_headers=False)
    data = sheet([["说明：每行一位患者；同意填是或否"], [], ["王秀英", 52, "是"], ["赵建国", "x", "否"]], merge="A2:C2")
    outcome, written = run(data, spec)
    # The merged explanation is not a merged data cell; the rows keep the numbers Excel shows.
    assert issues(outcome) == [(5, "年龄", "x", "应为 0 到 120 之间的整数")]
    outcome, written = run(sheet([["注：同意一列须由本人确认"], ["王秀英", 52, "是"]]), spec)
    assert outcome.ok and [r.line for r in written] == [3]


def test_an_explanation_below_the_data_is_data(db):
    outcome, _written = run(sheet([["王秀英", 52, "是"], ["说明：以上"]]))
    assert [(i.row, i.column) for i in outcome.issues] == [(3, "同意*")]


def test_formulas_and_merged_cells_are_reported_where_they_are(db):
    workbook = openpyxl.load_workbook(io.BytesIO(sheet([["王秀英", 52, "是"], ["赵建国", 60, "是"]])))
    workbook.active["B2"] = "=B3-8"
    workbook.active.merge_cells("C2:C3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome, written = run(buffer.getvalue())
    assert not outcome.ok and written == []
    assert [(i.row, i.column, i.value) for i in outcome.issues] == [(2, "年龄", "=B3-8"), (2, "同意*", "C2:C3")]
    _book, cell = marked(outcome, "B2")
    # Shown, never evaluated again: text, with the quote of lib.xlsx.safe_cell (issue 13 §5).
    assert cell.value == "'=B3-8" and cell.data_type == "s" and "公式" in cell.comment.text


def test_the_error_workbook_marks_and_comments_the_bad_cell(db):
    outcome, _written = run(sheet([["王秀英", 52, "是"], ["赵建国", "一百五", "也许"]]))
    book, cell = marked(outcome, "B3")
    assert book.sheetnames == ["名单", "导入错误"]
    assert cell.value == "一百五" and cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment.text == "应为 0 到 120 之间的整数"
    assert book["名单"]["C3"].comment.text == "应从下拉列表中选择：是、否"
    good = book["名单"]["B2"]
    assert good.value == 52 and good.comment is None and good.fill.fgColor.rgb != imports.BAD_FILL.fgColor.rgb
    assert [c.value for c in book["名单"][1]] == ["姓名*", "年龄", "同意*"]
    rows = list(book["导入错误"].values)
    assert rows[0] == ("行号", "列", "值", "规则")
    assert rows[1:] == [
        (3, "年龄", "一百五", "应为 0 到 120 之间的整数"),
        (3, "同意*", "也许", "应从下拉列表中选择：是、否"),
    ]


def test_an_empty_required_cell_beyond_the_row_is_marked_too(db):
    outcome, _written = run(sheet([["王秀英", 52]]))
    _book, cell = marked(outcome, "C2")
    assert cell.value is None and cell.comment.text == "必填项，不能为空"


def test_the_error_workbook_leaves_out_what_the_spec_redacts(db):
    def redact(key, text, texts, bad):
        return None if bad or key != "name" else "〔已脱敏〕"

    spec = Spec(columns=SPEC.columns, sheet="名单", redact=redact)
    outcome, _written = run(sheet([["王秀英", 52, "是"], ["赵建国", "x", "是"]]), spec)
    book, _cell = marked(outcome, "B3")
    assert [c.value for c in book["名单"]["A"]] == ["姓名*", "〔已脱敏〕", "〔已脱敏〕"]


def test_a_value_hidden_by_its_column_is_not_repeated(db):
    columns = [Column("name", "姓名", parse=lambda cell: (_ for _ in ()).throw(Invalid("不对")), hide_value=True)]
    outcome, _written = run(sheet([["王秀英"]], header=("姓名",)), Spec(columns=columns, sheet="名单"))
    assert issues(outcome) == [(2, "姓名", "", "不对")]


def test_cross_row_rules_come_after_every_row_and_issues_are_in_row_order(db):
    def duplicates(rows, upload):
        seen = {}
        for row in rows:
            if row.values.get("name") in seen:
                upload.fail(row.line, "name", f"与第 {seen[row.values['name']]} 行重复")
            seen.setdefault(row.values.get("name"), row.line)

    data = sheet([["王秀英", 52, "是"], ["王秀英", 52, "否"], ["赵建国", "x", "是"]])
    outcome, written = run(data, check_rows=duplicates)
    assert [(i.row, i.rule[:6]) for i in outcome.issues] == [(3, "与第 2 行"), (4, "应为 0 到")]
    assert written == []


def test_issues_stop_at_the_spec_limit(db):
    spec = Spec(columns=SPEC.columns, sheet="名单", max_issues=3)
    outcome, _written = run(sheet([["", "x", "是"]] * 5), spec)
    assert len(outcome.issues) == 3 and outcome.truncated


def test_a_file_that_cannot_be_read_or_has_no_data_is_refused(db):
    with pytest.raises(Refused, match="不是 .xlsx 格式") as refused:
        run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert refused.value.issue.row is None
    with pytest.raises(Refused, match="中没有数据行"):
        run(sheet([]))
    with pytest.raises(Refused, match="超过单次导入上限 100 行"):
        run(sheet([["王秀英", 1, "是"]] * 101))
    with pytest.raises(Refused, match="第 1 行应为列标题") as refused:
        run(sheet([["王秀英", 1, "是"]], header=()))
    assert (refused.value.issue.row, refused.value.issue.column) == (1, "列标题")
    with pytest.raises(Refused, match="工作簿中没有「名单」工作表"):
        run(sheet([["王秀英", 1, "是"]], title="别的"), Spec(columns=SPEC.columns, sheet="名单", sheet_required=True))


def test_the_template_has_the_headers_help_and_drop_downs():
    book = openpyxl.load_workbook(io.BytesIO(imports.to_bytes(imports.template(SPEC))))
    assert book.sheetnames == ["名单", "选项"] and book["选项"].sheet_state == "hidden"
    data = book["名单"]
    assert [c.value for c in data[1]] == ["姓名*", "年龄", "同意*"]
    assert data["A1"].comment.text == "必填。患者姓名"
    [validation] = data.data_validations.dataValidation
    assert (str(validation.sqref), validation.formula1) == ("C2:C101", "'选项'!$A$2:$A$3")
    assert [c.value for c in book["选项"]["A"]] == ["是/否", "是", "否"]
