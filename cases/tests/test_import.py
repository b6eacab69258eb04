"""Importing a master's cases from a case-mining spreadsheet: pseudonyms, scrubbing, all or nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases.importing import SCRUBBED, cases_import, scrub
from cases.models import CaseRecord, Prescription, PrescriptionItem, Visit
from cases.tests.sheets import HEADER, row, sheet
from jobs.models import Job
from lib.errors import ApplicationError
from workflow.models import AuditEntry

ID_NUMBER = "140802198001011234"
PHONE = "13903591234"


def _dump_tables() -> str:
    """Every row of the case tables and the audit log, as the database holds them."""
    tables = ["cases_caserecord", "cases_visit", "cases_prescription", "cases_prescriptionitem", "cases_analysis"]
    tables.append(AuditEntry._meta.db_table)
    text = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            text.extend(repr(r) for r in cursor.fetchall())
    return "\n".join(text)


def test_import_round_trip_keeps_pseudonyms_stable_and_no_names(world):
    data = sheet(
        [
            row(symptoms=f"王秀英自述失眠，电话{PHONE}，身份证{ID_NUMBER}，2024年3月15日起病"),
            row(composition="酸枣仁30g;川芎6g;知母10g;炙甘草6g", tongue="舌淡红"),
            row(name="赵建国", sex="男", age="67岁", composition="黄芪30g;当归10g;生地15g"),
        ]
    )
    result = cases_import(actor=world.zhang, owner=world.zhang, data=data)
    assert result.ok, result.errors
    assert result.cases_created == 2 and result.visits_created == 3
    wang = CaseRecord.objects.get(owner=world.zhang, sex="female")
    assert wang.visits.count() == 2 and wang.age_band == "50–59岁"
    assert wang.organization == world.city_tcm
    # The same patient imported again lands on the same case with the same pseudonym.
    again = cases_import(actor=world.zhang, owner=world.zhang, data=sheet([row()]))
    assert again.ok and again.cases_created == 0
    wang.refresh_from_db()
    assert wang.visits.count() == 3 and list(wang.visits.values_list("number", flat=True)) == [1, 2, 3]
    # Herbs normalized: 生地 → 地黄 with its original name kept.
    item = PrescriptionItem.objects.get(original_name="生地")
    assert item.herb == "地黄" and item.known and item.grams == 15
    symptoms = Visit.objects.filter(case=wang).order_by("number").first().symptoms
    assert SCRUBBED in symptoms and "失眠" in symptoms
    dump = _dump_tables()
    for secret in ("王秀英", "赵建国", ID_NUMBER, PHONE, "2024年3月15日"):
        assert secret not in dump


def test_the_same_name_with_another_birth_date_is_another_patient(world):
    header = [*HEADER, "出生日期"]
    data = sheet([[*row(), "1970-01-01"], [*row(), "1980-05-06"]], header=header)
    assert cases_import(actor=world.zhang, owner=world.zhang, data=data).cases_created == 2


def test_extra_columns_are_kept_as_scrubbed_notes(world):
    data = sheet([[*row(), f"随访电话 {PHONE}"]], header=[*HEADER, "随访"])
    cases_import(actor=world.zhang, owner=world.zhang, data=data)
    assert Visit.objects.get().notes == {"随访": f"随访电话 {SCRUBBED}"}


def test_bad_rows_are_refused_with_row_column_and_rule_and_nothing_written(world):
    data = sheet(
        [
            row(),
            row(sex="未知人"),
            row(age="一百五"),
            row(composition=""),
            row(composition="川芎g"),
            row(name=""),
        ]
    )
    result = cases_import(actor=world.zhang, owner=world.zhang, data=data)
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(3, "性别"), (4, "年龄"), (5, "方剂组成"), (6, "方剂组成"), (7, "患者姓名")}
    assert all(e.rule for e in result.errors)
    assert "未写入任何数据" in result.summary
    assert not CaseRecord.objects.exists() and not Visit.objects.exists() and not Prescription.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused(world):
    from lib.errors import ApplicationError

    with pytest.raises(ApplicationError, match="不是 .xlsx"):
        cases_import(actor=world.zhang, owner=world.zhang, data=b"\xd0\xcf\x11\xe0 old xls")


def test_a_missing_column_is_named(world):
    result = cases_import(actor=world.zhang, owner=world.zhang, data=sheet([["王秀英"]], header=["患者姓名"]))
    assert not result.ok and result.errors[0].column == "方剂组成"


def test_it_refuses_to_import_for_someone_without_a_doctor_role(world):
    from lib.errors import ApplicationError

    with pytest.raises(ApplicationError, match="传承人或师承人"):
        cases_import(actor=world.sun, owner=world.sun, data=sheet([row()]))


def test_scrub_removes_ids_phones_and_dates():
    text = f"患者李四，{ID_NUMBER}，手机 {PHONE}，0359-2345678，2023-05-06 复诊，5月6日再诊"
    scrubbed = scrub(text, names=("李四",))
    for secret in ("李四", ID_NUMBER, PHONE, "2345678", "2023-05-06", "5月6日"):
        assert secret not in scrubbed
    assert scrub("酸枣仁30g") == "酸枣仁30g"


def test_the_command_imports_for_a_master(world, tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(sheet([row(), row(name="赵建国")]))
    call_command("import_cases", str(path), "--master", str(world.zhang.pk))
    assert CaseRecord.objects.filter(owner=world.zhang).count() == 2


def test_the_command_reports_bad_rows(world, tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(sheet([row(sex="X")]))
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_cases", str(path), "--master", str(world.zhang.pk))
    assert not CaseRecord.objects.exists()


def test_zhang_uploads_a_sheet_and_the_raw_file_is_not_kept(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("cases.xlsx", sheet([row()]))
    response = client_for("zhang").post("/cases/import/", {"file": upload, "kind": "retrospective"})
    job = Job.objects.get(owner=world.zhang)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert not job.input_file
    assert CaseRecord.objects.filter(owner=world.zhang).count() == 1


def test_a_failed_upload_shows_errors_by_row_on_the_progress_page(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for("zhang")
    c.post("/cases/import/", {"file": SimpleUploadedFile("c.xlsx", sheet([row(sex="X")])), "kind": "retrospective"})
    job = Job.objects.get(owner=world.zhang)
    assert job.status == Job.Status.FAILED and not job.input_file
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert "第 2 行" in page and "性别" in page


def test_a_failed_upload_offers_the_marked_workbook_to_its_owner_only(world, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    settings.MEDIA_ROOT = str(tmp_path)  # the job's file stays out of the checkout
    c = client_for("zhang")
    c.post(
        "/cases/import/", {"file": SimpleUploadedFile("c.xlsx", sheet([row(), row(sex="X")])), "kind": "retrospective"}
    )
    job = Job.objects.get(owner=world.zhang)
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/output/"' in page and "/media/" not in page
    response = c.get(f"/jobs/{job.pk}/output/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    marked = [cell for r in book.worksheets[0].iter_rows() for cell in r if cell.comment is not None]
    assert [(cell.row, cell.value) for cell in marked] == [(3, "X")]
    # Nobody else gets it, not even the county's office staff who see zhang's cases.
    assert client_for("sun").get(f"/jobs/{job.pk}/output/").status_code == 404
    assert client_for("liming").get(f"/jobs/{job.pk}/output/").status_code == 404


def test_office_staff_may_not_import_cases(world, client_for):
    assert client_for("sun").get("/cases/import/").status_code == 403


def test_formulas_and_merged_cells_are_refused_where_they_are_and_nothing_is_written(world):
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADER)
    ws.append(row())
    ws.append(row(name="赵建国", sex="男"))
    ws["C3"] = "=C2+15"  # an age computed from the row above
    ws.append(row(name="李桂兰"))
    ws.append(row(name="李桂兰"))
    ws.merge_cells("K4:K5")  # one formula name for two visits
    out = io.BytesIO()
    workbook.save(out)
    before = _dump_tables()
    result = cases_import(actor=world.zhang, owner=world.zhang, data=out.getvalue())
    assert not result.ok
    assert [(e.row, e.column, e.value) for e in result.errors] == [(3, "年龄", "=C2+15"), (4, "方剂名称", "K4:K5")]
    assert "公式" in result.errors[0].rule and "合并单元格" in result.errors[1].rule
    assert _dump_tables() == before


def test_a_sheet_over_the_row_limit_is_refused_and_nothing_is_written(world, monkeypatch):
    from cases import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    data = sheet([row(name=f"患者{n}") for n in range(5)])
    with pytest.raises(ApplicationError, match="超过单次导入上限"):
        cases_import(actor=world.zhang, owner=world.zhang, data=data)
    assert not CaseRecord.objects.exists()


def _platform_sheet(rows: list[list]) -> bytes:
    """The case platforms' layout: a title, the header, a merged 「说明：…」 row, then the visits."""
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.append(["某某医院名老中医病案采集表"])
    ws.append(HEADER)
    ws.append(["说明：每行一诊次；方剂组成写明药味与剂量，如 酸枣仁90g;川芎7g"])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(HEADER))
    for values in rows:
        ws.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_case_platform_layout_with_an_explanation_row_imports(world):
    result = cases_import(actor=world.zhang, owner=world.zhang, data=_platform_sheet([row(), row(name="赵建国")]))
    assert result.ok, [str(e) for e in result.errors]
    assert result.visits_created == 2 and Visit.objects.count() == 2


def test_a_bad_cell_yields_an_error_workbook_marking_it_without_identifiers(world):
    from openpyxl import load_workbook

    bad = row(age="一百五", symptoms=f"王秀英自述失眠，电话{PHONE}，身份证{ID_NUMBER}")
    result = cases_import(actor=world.zhang, owner=world.zhang, data=_platform_sheet([row(), bad]))
    assert not result.ok and not CaseRecord.objects.exists() and not Visit.objects.exists()
    assert [(e.row, e.column, e.value) for e in result.errors] == [(5, "年龄", "一百五")]
    book = load_workbook(io.BytesIO(result.error_workbook()))
    sheet = book.worksheets[0]
    cell = sheet.cell(row=5, column=HEADER.index("年龄") + 1)
    assert cell.value == "一百五" and cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment.text == "应为 0 到 120 之间的整数岁数，如 45 或 45岁"
    assert sheet.cell(row=4, column=3).comment is None and sheet.cell(row=2, column=1).value == "患者姓名"
    assert list(book["导入错误"].iter_rows(min_row=2, values_only=True))[0][:3] == (5, "年龄", "一百五")
    text = "\n".join(str(v) for ws in book for r in ws.iter_rows(values_only=True) for v in r if v is not None)
    assert "失眠" in text and SCRUBBED in text
    for secret in ("王秀英", PHONE, ID_NUMBER):
        assert secret not in text, secret
