"""No patient name or identifier from an imported file appears anywhere: pages, exports, the API,
the job page, the audit log, the application's logs (issue 6, Done when)."""

import io
import logging

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cases.models import CaseRecord
from cases.tests.sheets import HEADER, row, sheet
from jobs.models import Job

NAMES = ("欧阳秀英", "司马建国")
ID_NUMBER = "140802198001011234"
PHONE = "13903591234"
SECRETS = (*NAMES, ID_NUMBER, PHONE, "2024年3月15日")


def _sheet() -> bytes:
    header = [*HEADER, "联系方式", "备注"]
    rows = [
        [
            *row(
                name=NAMES[0],
                symptoms=f"{NAMES[0]}自述失眠，身份证{ID_NUMBER}，2024年3月15日起病",
                composition="酸枣仁30g;川芎6g;知母10g;蜀椒3g",
            ),
            PHONE,
            f"家属{NAMES[0]}陪诊",
        ],
        [*row(name=NAMES[1], sex="男", principle=f"{NAMES[1]}宜疏肝", formula="逍遥散"), f"电话 {PHONE}", ""],
    ]
    return sheet(rows, header=header)


def test_no_name_or_identifier_survives_an_import(world, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    c = client_for("zhang")
    upload = SimpleUploadedFile("cases.xlsx", _sheet())
    response = c.post("/cases/import/", {"file": upload, "kind": "retrospective"})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == "succeeded", job.message
    assert not job.input_file
    case = CaseRecord.objects.order_by("pk").first()
    analysis = c.post("/cases/analyses/new/", {"min_support": "0.5", "min_confidence": "0.5", "max_len": "3"})
    analysis_url = analysis["Location"]
    pages = [
        "/cases/",
        f"/cases/{case.pk}/",
        f"/cases/{CaseRecord.objects.order_by('pk').last().pk}/",
        analysis_url,
        "/cases/herbs/",
        f"/jobs/{job.pk}/",
        "/api/v1/cases",
        f"/api/v1/cases/{case.pk}",
        "/api/v1/herb-queue",
    ]
    seen = []
    for url in pages:
        answer = c.get(url)
        assert answer.status_code == 200, url
        seen.append(answer.content.decode())
    export = c.get(analysis_url + "export.xlsx")
    workbook = load_workbook(io.BytesIO(export.content))
    seen += [str(cell) for ws in workbook for r in ws.iter_rows(values_only=True) for cell in r]
    seen.append(client_for("sun").get("/audit/").content.decode())
    seen.append(caplog.text)
    text = "\n".join(seen)
    assert "患者-" in text  # the pseudonyms are there instead
    for secret in SECRETS:
        assert secret not in text, secret
