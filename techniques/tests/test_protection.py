"""Protection records, consent records and versioned procedures (PRO-1, PRO-5)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from chuancheng.test import declaration_for
from lib.errors import ApplicationError
from techniques import services
from techniques.models import Procedure, Technique, Term


def test_an_ich_listing_needs_its_level(world):
    t = declaration_for(world.guo)
    with pytest.raises(ApplicationError) as excinfo:
        services.protection_add(technique=t, actor=world.guo, kind="ich", title="郭氏小儿推拿")
    assert "必须注明级别" in excinfo.value.message
    record = services.protection_add(technique=t, actor=world.guo, kind="ich", level="county", title="郭氏小儿推拿")
    assert record.get_level_display() == "县级"


def test_a_consent_record_sets_the_flag_it_records(world):
    t = declaration_for(world.guo, consent_publish=True)
    services.consent_record(technique=t, actor=world.guo, kind="publish", granted=False, holder_name="郭秀兰")
    t.refresh_from_db()
    assert t.consent_publish is False and t.consents.get().granted is False


def test_procedures_are_versioned_by_kind(world):
    sop = declaration_for(world.guo)  # 小儿推拿: operation-based
    services.procedure_add_version(technique=sop, actor=world.guo, title="操作规程", body="第一版")
    second = services.procedure_add_version(technique=sop, actor=world.guo, title="操作规程", body="第二版")
    assert (second.kind, second.version) == (Procedure.Kind.SOP, 2)
    drug = declaration_for(world.guo, name="某氏验方", category=Term.objects.get(name="内服方药（验方、秘方）"))
    prep = services.procedure_add_version(
        technique=drug, actor=world.guo, title="制备工艺", body="水煎", quality_standard="性状、鉴别"
    )
    assert (prep.kind, prep.version) == (Procedure.Kind.PREPARATION, 1)


def test_someone_outside_the_declaration_cannot_add_records(world):
    t = declaration_for(world.guo, world.township_centre.region, submit=True)
    with pytest.raises(PermissionDenied):
        # 林干事 receives declarations but does not curate them.
        services.protection_add(technique=t, actor=world.lin, kind="patent", title="专利")
    services.protection_add(technique=t, actor=world.sun, kind="patent", title="一种小儿推拿介质", number="ZL2024XXXX")
    assert t.protections.count() == 1


def test_the_page_adds_a_patent_with_a_real_pdf_and_refuses_a_fake(world, client_for):
    t = declaration_for(world.guo)
    client = client_for("guo")
    fake = SimpleUploadedFile("专利.pdf", b"not really a pdf", content_type="application/pdf")
    page = client.post(
        f"/techniques/manage/{t.pk}/protection/", {"kind": "patent", "title": "专利一", "document": fake}, follow=True
    ).content.decode()
    assert "文件内容不是允许的类型" in page and not t.protections.exists()
    pdf = SimpleUploadedFile("专利.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    page = client.post(
        f"/techniques/manage/{t.pk}/protection/", {"kind": "patent", "title": "专利一", "document": pdf}, follow=True
    ).content.decode()
    assert "专利一" in page and Technique.objects.get(pk=t.pk).protections.count() == 1


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"


def test_images_video_and_documents_are_typed_by_content(world, client_for):
    t = declaration_for(world.guo)
    client = client_for("guo")
    photo = SimpleUploadedFile("手法.jpg", PNG, content_type="image/jpeg")  # a PNG named .jpg is still an image
    client.post(f"/techniques/manage/{t.pk}/files/", {"file": photo, "title": "补脾经手法"})
    video = SimpleUploadedFile("演示.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32, content_type="video/mp4")
    client.post(f"/techniques/manage/{t.pk}/files/", {"file": video, "title": "操作演示"})
    renamed = SimpleUploadedFile("病例.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    # A refused upload is told on the page it came from (chuancheng.errors), as a browser names it.
    page = client.post(
        f"/techniques/manage/{t.pk}/files/", {"file": renamed}, follow=True, HTTP_REFERER=f"/techniques/manage/{t.pk}/"
    ).content.decode()
    assert "文件内容不是允许的类型" in page
    assert sorted(t.files.values_list("kind", "content_type")) == [("image", "image/png"), ("video", "video/mp4")]
    assert "<video" in page and "<img" in page
    assert "图片、视频或文档" not in services.technique_completeness(Technique.objects.get(pk=t.pk)).missing
