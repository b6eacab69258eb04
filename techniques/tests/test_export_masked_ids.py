"""Data minimisation in what an import keeps (issue 13 §12): an ID number that failed its checksum
is never stored in clear — not in the job's result, not in its error workbook (the copy of the rows
or the list of errors) — but masked, first 6 and last 4 characters."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile

from chuancheng.demo import demo_id_number
from jobs.models import Job
from jobs.services import job_create
from lib import imports
from techniques.spreadsheets import COLUMNS, DATA_SHEET
from techniques.tasks import IMPORT_JOB_KIND, import_techniques

HEADERS = [c.header for c in COLUMNS]
GOOD_ID = demo_id_number("140802", "19650304", 31)
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
MASKED = BAD_ID[:6] + "********" + BAD_ID[-4:]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _sheet(rows: list[dict]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROW = {
    "技术名称*": "王氏小儿推拿治疗积滞",
    "所在地区代码*": "140802001001",
    "技术类别*": "小儿推拿",
    "传承方式*": "家族传承",
    "持有人姓名*": "王秀英",
    "持有人身份证号码": BAD_ID,
    "理论与治疗特色*": "健脾和胃，消食导滞。",
    "操作方法或制备工艺*": "补脾经三百次，摩腹五分钟。",
    "同意公开*": "是",
    "同意用于研究*": "否",
}


def _xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_an_id_number_that_fails_its_checksum_is_kept_masked(world):
    # The same number typed into a free-text column too: masked wherever it appears.
    upload = ContentFile(
        _sheet([ROW, {**ROW, "技术名称*": "第二项", "源流与历史": f"持有人 {BAD_ID} 口述"}]), name="t.xlsx"
    )
    job = job_create(owner=world.sun, kind=IMPORT_JOB_KIND, title="导入", input_file=upload)
    import_techniques.enqueue(job_id=job.pk, entered_org_id=world.yanhu_health.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.FAILED
    errors = job.result["errors"]
    assert [(e["row"], e["value"]) for e in errors] == [(2, MASKED), (3, MASKED)]
    assert BAD_ID not in str(job.result) and BAD_ID not in job.message
    with job.output_file.open("rb") as f:
        data = f.read()
    text = _xml(data)
    assert BAD_ID not in text and MASKED in text
    book = openpyxl.load_workbook(io.BytesIO(data))
    copy = book[DATA_SHEET]
    column = HEADERS.index("持有人身份证号码") + 1
    assert copy.cell(row=2, column=column).value == MASKED
    assert copy.cell(row=3, column=HEADERS.index("源流与历史") + 1).value == f"持有人 {MASKED} 口述"


def _refuse(cell):
    raise imports.Invalid("校验位不正确")


def test_an_id_number_in_any_importer_is_masked_even_without_a_masked_column(db):
    # The apprenticeship and case importers declare no mask: the number is still recognised.
    spec = imports.Spec(columns=[imports.Column("name", "姓名"), imports.Column("id", "证件号码", parse=_refuse)])
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "证件号码"])
    workbook.active.append(["王秀英", BAD_ID])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = imports.run(spec, buffer.getvalue(), write=lambda rows, progress: None)
    assert [(i.row, i.value) for i in outcome.issues] == [(2, MASKED)]
    text = _xml(imports.error_workbook(outcome.issues))
    assert BAD_ID not in text and MASKED in text


def test_other_numbers_are_not_mistaken_for_id_numbers():
    kept = "区划代码 140802001001，电话 13903591234，编号 YC-2024-000123，2024050112300"
    assert imports.mask_identifiers(kept) == kept
    assert imports.mask_identifiers(f"见{BAD_ID}号") == f"见{MASKED}号"
    # A first-generation number, and one typed a digit short: masked as well.
    assert imports.mask_identifiers("140802650304312") == "140802*****4312"
    assert imports.mask_identifiers(BAD_ID[:17]) == BAD_ID[:6] + "*******" + BAD_ID[13:17]
