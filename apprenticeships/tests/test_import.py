"""王审核 submits a batch for his unit's applicants: a spreadsheet plus a zip of documents, all or
nothing (000 §四(一) 师承申请也可由承办单位统一组织办理)."""

import io
import zipfile
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from apprenticeships import importing
from apprenticeships.models import ApprenticeApplication
from apprenticeships.tests.factories import PDF, a_master
from lib.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _workbook(rows: list[dict]) -> bytes:
    book = load_workbook(io.BytesIO(importing.build_template()))
    sheet = book[importing.DATA_SHEET]
    headers = [c.value.rstrip("*") for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _row(world, master, **extra) -> dict:
    row = {
        "姓名": "王小红",
        "手机号码": "13903591234",
        "工作单位": world.yongji_tcm.name,
        "所在地区代码": "140881",
        "职称": "主治医师",
        "专业方向": "针灸治疗中风后遗症",
        "师承期限": "一年",
        "意向传承人证书编号": master.certificate_number,
        "报名信息表（含个人简历）文件": "王小红/简历.pdf",
        "学历学位证书文件": "王小红/学位.pdf",
        "医师资格证书文件": "王小红/资格.pdf",
        "职称证书文件": "王小红/职称.pdf",
    }
    row.update(extra)
    return row


FILES = {f"王小红/{n}.pdf": PDF for n in ("简历", "学位", "资格", "职称")}


def test_the_template_has_instructions_and_drop_downs(world):
    book = load_workbook(io.BytesIO(importing.build_template()))
    assert book.sheetnames[:2] == [importing.DATA_SHEET, importing.HELP_SHEET]
    assert book[importing.DATA_SHEET].data_validations.dataValidation


def test_a_clean_batch_registers_the_applicant_and_submits_the_application(world):
    master = a_master(world)
    result = importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=_workbook([_row(world, master)]), archive=_zip(FILES)
    )
    assert result.ok, [str(e) for e in result.errors]
    application = ApprenticeApplication.objects.get(pk=result.created[0])
    assert (application.status, application.round, application.entered_by_organization) == (
        "submitted",
        1,
        world.organizer,
    )
    assert application.applicant.phone == "13903591234" and application.documents.count() == 4
    assert [i.master for i in application.intents.all()] == [master]


def test_any_error_writes_nothing_and_names_row_column_value_and_rule(world):
    master = a_master(world)
    rows = [
        _row(world, master),
        _row(world, master, **{"姓名": "赵六", "手机号码": "123", "职称": "教授", "学历学位证书文件": "缺失.pdf"}),
        _row(world, master),
    ]
    files = dict(FILES, **{"王小红/职称.pdf": b"MZ fake"})
    result = importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=_workbook(rows), archive=_zip(files)
    )
    assert not result.ok and not ApprenticeApplication.objects.exists()
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("第 3 行 · 职称* · 教授 · 应从下拉列表中选择") for m in messages), messages
    assert any("第 2 行 · 职称证书文件" in m and "文件内容不是允许的类型" in m for m in messages), messages
    assert any(m.startswith("第 4 行") and "与第 2 行重复" in m for m in messages), messages


def test_the_title_rule_of_the_masters_tier_applies_to_each_row(world):
    from masters.models import Tier

    guoyi = a_master(world, "李济仁", tier=Tier.GUOYI_DASHI)
    result = importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=_workbook([_row(world, guoyi)]), archive=_zip(FILES)
    )
    assert not result.ok and any("APP-2.1" in str(e) for e in result.errors)


def test_a_renamed_xls_and_a_zip_bomb_are_refused(world):
    with pytest.raises(ApplicationError, match="不是 .xlsx 格式"):
        importing.application_import(
            actor=world.wang, organization=world.organizer, workbook=b"\xd0\xcf\x11\xe0old xls", archive=None
        )
    bomb = _zip({"a.pdf": PDF + b"\0" * (50 * 1024 * 1024)})
    with pytest.raises(ApplicationError, match="压缩炸弹"):
        importing.application_import(
            actor=world.wang,
            organization=world.organizer,
            workbook=_workbook([_row(world, a_master(world))]),
            archive=bomb,
        )


def test_only_the_organizing_units_staff_may_import(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises((PermissionDenied, Http404)):
        importing.application_import(actor=world.zhao, organization=world.organizer, workbook=b"", archive=None)


NOT_A_MASTER = SimpleNamespace(certificate_number="CZ-0001")


def _marked_copy(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return book, book[importing.DATA_SHEET]


def test_a_refused_batch_offers_the_sheet_with_the_bad_cell_marked_and_writes_nothing(world, client_for):
    import base64
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User

    users = User.objects.count()
    row = _row(world, NOT_A_MASTER, **{"职称": "教授"})
    response = client_for("wang").post(
        "/apprenticeships/import/",
        {"organization": world.organizer.pk, "workbook": SimpleUploadedFile("批量.xlsx", _workbook([row]))},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html and "应从下拉列表中选择" in html
    link = re.search(r'id="error-sheet-link" download="[^"]+" href="data:[^;]+;base64,([^"]+)"', html)
    book, sheet = _marked_copy(base64.b64decode(link.group(1)))
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("职称*") + 1)
    assert cell.value == "教授" and cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment.text.startswith("应从下拉列表中选择：")
    assert sheet.cell(row=2, column=1).comment is None  # 姓名 is fine
    assert [r[:3] for r in book["导入错误"].iter_rows(min_row=2, values_only=True)] == [(2, "职称*", "教授")]
    assert not ApprenticeApplication.objects.exists() and User.objects.count() == users


def test_the_result_lists_each_problem_of_a_row_once_its_required_cells_are_there(world):
    row = _row(world, NOT_A_MASTER, **{"手机号码": "123", "身份证号码": "1408"})
    result = importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=_workbook([row]), archive=_zip(FILES)
    )
    assert not result.ok and not ApprenticeApplication.objects.exists()
    found = {(e.row, e.column, e.rule) for e in result.errors}
    assert (2, "手机号码*", "应为 11 位手机号码") in found
    assert (2, "身份证号码", "身份证号码无效（GB 11643 校验不通过）") in found
    assert (2, "意向传承人证书编号*", "「CZ-0001」不是已认证传承人的证书编号") in found
    book, sheet = _marked_copy(result.error_workbook())
    assert sheet["B2"].comment.text == "应为 11 位手机号码"


def test_a_formula_or_a_missing_sheet_is_refused(world):
    book = load_workbook(io.BytesIO(_workbook([_row(world, NOT_A_MASTER)])))
    book[importing.DATA_SHEET]["B2"] = "=1390359*10000"
    out = io.BytesIO()
    book.save(out)
    result = importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=out.getvalue(), archive=None
    )
    assert not result.ok and (2, "手机号码*", "=1390359*10000") in {(e.row, e.column, e.value) for e in result.errors}
    book[importing.DATA_SHEET].title = "别的"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ApplicationError, match="工作簿中没有「师承申请」工作表"):
        importing.application_import(
            actor=world.wang, organization=world.organizer, workbook=out.getvalue(), archive=None
        )
