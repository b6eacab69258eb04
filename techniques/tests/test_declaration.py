"""Declaring a technique: online by the holder, offline by staff for a holder with a paper form."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Region
from chuancheng.test import declaration_for
from lib.errors import ApplicationError
from techniques import services
from techniques.models import Technique, Term
from workflow.models import AuditEntry

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(region_code="140821", **extra):
    data = {
        "name": "王氏正骨手法",
        "region_code": region_code,
        "category": Term.objects.get(vocabulary="category", name="正骨理筋").pk,
        "inheritance": Term.objects.get(vocabulary="inheritance", name="师承").pk,
        "theory_features": "筋骨并重，动静结合。",
        "operation_method": "拔伸牵引，端提挤按，夹板固定。",
        "diseases_text": "伤筋、积滞、某种未收录的病",
        "syndromes_text": "",
        "features_text": "",
        "consent_publish": "1",
        "consent_research": "0",
        "protection": "none",
        "holders-TOTAL_FORMS": "1",
        "holders-INITIAL_FORMS": "0",
        "holders-MIN_NUM_FORMS": "1",
        "holders-MAX_NUM_FORMS": "5",
        "holders-0-name": "王守义",
        "holders-0-phone": "13903590001",
    }
    data.update(extra)
    return data


def test_a_holder_declares_online_and_sees_completeness(world, client_for):
    response = client_for("guo").post("/techniques/declare/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    technique = Technique.objects.get()
    assert technique.channel == "online" and technique.status == "draft" and technique.entered_by == world.guo
    assert set(technique.diseases.values_list("name", flat=True)) == {"积滞", "伤筋"}
    assert technique.indications_free == "某种未收录的病"  # kept and flagged, not lost
    assert technique.holders.get().name == "王守义"
    page = client_for("guo").get(response["Location"]).content.decode()
    assert "未在标准词表中" in page and 'id="completeness"' in page
    completeness = services.technique_completeness(technique)
    assert 0 < completeness.percent < 100 and "源流与历史" in completeness.missing
    assert completeness.missing_required == []
    assert AuditEntry.objects.filter(action="create", object_id=str(technique.pk)).exists()


def test_a_bad_id_number_or_unknown_region_is_refused_with_the_rule(world, client_for):
    page = (
        client_for("guo")
        .post("/techniques/declare/", _form(**{"holders-0-id_number": "140821199001011235"}))
        .content.decode()
    )
    assert "校验位" in page
    page = client_for("guo").post("/techniques/declare/", _form(region_code="110101")).content.decode()
    assert "不在其内" in page
    assert not Technique.objects.exists()


def test_submitting_needs_the_required_fields(world):
    technique = declaration_for(world.guo, operation_method="")
    with pytest.raises(ApplicationError) as excinfo:
        services.technique_submit(technique=technique, actor=world.guo)
    assert "操作方法或制备工艺" in excinfo.value.message
    technique.refresh_from_db()
    assert technique.status == "draft"


def test_township_staff_enter_a_paper_form_and_keep_the_scan(world, client_for):
    village = Region.objects.filter(parent=world.township_centre.region).first()
    data = _form(region_code=village.code, channel="offline", **{"offline-entered_org": world.township_centre.pk})
    data["offline-scanned_original"] = SimpleUploadedFile("申报表.pdf", PDF, content_type="application/pdf")
    response = client_for("lin").post("/techniques/declare/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    technique = Technique.objects.get()
    assert technique.channel == "offline" and technique.entered_by == world.lin
    assert technique.entered_org == world.township_centre
    assert technique.scanned_original.read().startswith(b"%PDF")


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(world, client_for):
    data = _form(
        region_code=world.township_centre.region_id,
        channel="offline",
        **{"offline-entered_org": world.township_centre.pk},
    )
    data["offline-scanned_original"] = SimpleUploadedFile(
        "申报表.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    page = client_for("lin").post("/techniques/declare/", data).content.decode()
    assert "文件内容不是允许的类型" in page
    assert not Technique.objects.exists()


def test_staff_cannot_enter_a_declaration_outside_their_area(world):
    elsewhere = Region.objects.get(code="140881")
    with pytest.raises(ApplicationError) as excinfo:
        declaration_for(world.lin, elsewhere, channel="offline", entered_org=world.township_centre)
    assert "不在" in excinfo.value.message and "辖区" in excinfo.value.message


def test_an_expert_may_not_declare(world):
    with pytest.raises(PermissionDenied):
        declaration_for(world.chen)


def test_only_drafts_and_returned_declarations_can_be_edited(world):
    technique = declaration_for(world.guo, submit=True)
    with pytest.raises(ApplicationError) as excinfo:
        services.technique_update(technique=technique, actor=world.guo, name="改名")
    assert "已提交" in excinfo.value.message
