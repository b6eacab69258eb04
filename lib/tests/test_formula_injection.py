"""Formula injection (issue 13 §5): whatever the platform writes into a workbook or a CSV, text that
starts with =, +, -, @, a tab or a carriage return is shown by Excel, never evaluated; numbers and
dates stay numbers and dates."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from lib import imports
from lib.xlsx import SafeWorkbook, cell_text, safe_cell

ATTACKS = ['=HYPERLINK("http://evil","x")', "+1+1", "@SUM(A1)", "-2+3", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_excel_would_evaluate_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", [None, 0, -5, -0.5, 3.25, Decimal("-1.20"), True, datetime.date(2024, 5, 1), "盐湖区", "a=b", " =1"]
)
def test_numbers_dates_and_harmless_text_are_left_alone(value):
    assert safe_cell(value) == value and type(safe_cell(value)) is type(value)


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_a_safe_workbook_stores_text_as_text_and_numbers_as_numbers(write_only):
    workbook = SafeWorkbook(write_only=write_only)
    sheet = workbook.create_sheet("表")
    sheet.append([*ATTACKS, -5, 2.5, datetime.date(2024, 5, 1), "平常"])
    if not write_only:
        sheet.cell(row=2, column=1, value="=1+1")
        workbook.worksheets[0].append(["@SUM(A1)"])
    data = _saved(workbook)
    loaded = openpyxl.load_workbook(io.BytesIO(data))
    cells = list(loaded["表"].iter_rows(min_row=1, max_row=1))[0]
    # (XML reads a carriage return back as a line feed.)
    assert [c.value for c in cells[:6]] == ["'" + a.replace("\r", "\n") for a in ATTACKS]
    assert {c.data_type for c in cells[:6]} == {"s"}
    assert (cells[6].value, cells[6].data_type) == (-5, "n") and cells[7].value == 2.5
    assert cells[8].is_date and cells[9].value == "平常"
    if not write_only:
        assert loaded["表"]["A2"].value == "'=1+1" and loaded["表"]["A2"].data_type == "s"
        assert loaded.worksheets[0]["A1"].value == "'@SUM(A1)"
    # A second reader agrees: no formula anywhere, the negative number is a number.
    row = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("表").to_python()[0]
    assert row[:6] == ["'" + a.replace("\r", "\n") for a in ATTACKS] and row[6] == -5


@given(st.text(max_size=20))
def test_no_text_leaves_safe_cell_starting_as_a_formula_and_reading_restores_it(text):
    safe = safe_cell(text)
    assert safe[:1] not in {"=", "+", "-", "@", "\t", "\r"}
    assert cell_text(safe) == cell_text(text)


def test_assigning_a_cell_by_its_reference_is_guarded_too():
    workbook = SafeWorkbook()
    workbook.active["B2"] = "=1+1"
    workbook.active["B3"] = -1
    sheet = openpyxl.load_workbook(io.BytesIO(_saved(workbook))).active
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("'=1+1", "s") and sheet["B3"].value == -1


def test_reading_takes_the_quote_off_again():
    assert cell_text(safe_cell("=A1")) == "=A1" and cell_text(safe_cell("-")) == "-"
    assert cell_text("'引号开头") == "'引号开头"


SPEC = imports.Spec(
    columns=[imports.Column("name", "名称", True), imports.Column("note", "备注")],
    sheet="数据",
)


def _upload(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    for row in rows:
        sheet.append(row)
    sheet["B2"].data_type = "s"  # typed text, as Excel stores '=HYPERLINK(...)
    return _saved(workbook)


def test_the_error_workbook_neutralises_the_uploaded_text_and_the_issue_values():
    rows = [["名称", "备注"], ["甲", '=HYPERLINK("http://evil","x")'], ["", "@SUM(A1)"], ["乙", "=1+1"], ["丙", -3]]
    outcome = imports.run(SPEC, _upload(rows), write=lambda rows, progress: None)
    assert [(i.row, i.value) for i in outcome.issues] == [(3, ""), (4, "=1+1")]
    book = openpyxl.load_workbook(io.BytesIO(imports.error_workbook(outcome.issues)))
    copy = book["数据"]
    assert copy["B2"].value == '\'=HYPERLINK("http://evil","x")' and copy["B2"].data_type == "s"
    assert copy["B3"].value == "'@SUM(A1)" and copy["B4"].value == "'=1+1" and copy["B4"].data_type == "s"
    assert copy["B5"].value == -3 and copy["B5"].data_type == "n"
    listed = list(book[imports.ISSUES_SHEET].values)
    assert listed[2][:3] == (4, "备注", "'=1+1") and book[imports.ISSUES_SHEET]["C3"].data_type == "s"


def test_the_template_neutralises_list_values_and_reads_them_back(db):
    spec = imports.Spec(
        columns=[imports.Column("kind", "类别", choices=imports.Choices("类别", ["-无-", "=1+1"]))], sheet="数据"
    )
    book = openpyxl.load_workbook(io.BytesIO(imports.to_bytes(imports.template(spec))))
    values = [c.value for c in book[spec.lists_sheet]["A"]][1:]
    assert values == ["'-无-", "'=1+1"] and {c.data_type for c in book[spec.lists_sheet]["A"]} == {"s"}
    # A value chosen from the drop-down (the quoted text) is the list's value when read back.
    filled = _upload([["类别"], ["'=1+1"]])
    outcome = imports.run(spec, filled, write=lambda rows, progress: [r.values["kind"] for r in rows])
    assert outcome.ok and outcome.written == ["=1+1"]
