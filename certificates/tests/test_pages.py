"""The holder's, master's and staff's certificate pages: list, detail, PDF, revocation."""

import subprocess

import pytest
from django.urls import reverse

from certificates import signing
from certificates.models import Certificate
from certificates.services import certificate_revoke
from certificates.tests.factories import master_certificate
from lib.errors import ApplicationError
from masters.tests.factories import guide_reviewer
from notifications.models import Notification
from workflow.models import AuditEntry


def pdf_text(data: bytes, tmp_path) -> str:
    out = tmp_path / "certificate.pdf"
    out.write_bytes(data)
    return subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout


def test_zhang_downloads_his_certificate_as_a_pdf_with_the_qr_code(world, client_for, tmp_path):
    certificate = master_certificate(world)
    response = client_for("zhang").get(reverse("certificates:certificate-pdf", args=[certificate.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "传承人证书" in "".join(text.split()) and certificate.number in text and "张医生" in text
    assert "国家卫生健康委科技发展中心" in text and "扫码查验真伪" in text
    # The code the public page asks for is printed beside the number, and carried in the QR link.
    assert "查验码" in text and certificate.verification_code in text
    assert f"c={certificate.verification_code}" in signing.qr_text_for(certificate)
    images = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "certificate.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) == 3  # header, rule, the QR code


def test_staff_opening_a_certificate_is_logged_but_the_holder_is_not(world, client_for):
    certificate = master_certificate(world)
    url = reverse("certificates:certificate-detail", args=[certificate.number])
    assert client_for("zhang").get(url).status_code == 200
    assert client_for("sun").get(url).status_code == 200
    views = AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW_PERSONAL, content_type__model="certificate", object_id=str(certificate.pk)
    )
    assert [v.actor for v in views] == [world.sun]


def test_the_outsider_from_another_county_cannot_see_it(world, client_for):
    certificate = master_certificate(world)
    assert client_for("zhou").get(reverse("certificates:certificate-pdf", args=[certificate.number])).status_code == 404


def test_the_list_shows_what_each_person_may_see(world, client_for, django_assert_max_num_queries):
    from certificates.services import certificate_issue

    certificate = master_certificate(world)
    for person in (world.liming, world.chen, world.guo, world.lin, world.wang):
        certificate_issue(
            kind="apprentice",
            holder=person,
            holder_name=person.full_name,
            master=certificate.master,
            issuer=world.host,
            actor=world.zhao,
            subject=person,
        )
    c = client_for("sun")
    with django_assert_max_num_queries(9):
        body = c.get(reverse("certificates:certificate-list")).content.decode()
    assert certificate.number in body
    assert certificate.number not in client_for("zhou").get(reverse("certificates:certificate-list")).content.decode()
    body = c.get(reverse("certificates:certificate-list"), {"status": "revoked"}).content.decode()
    assert certificate.number not in body


def test_the_guiding_unit_revokes_with_a_reason_and_everyone_is_told(world, client_for):
    certificate = master_certificate(world)
    reviewer = guide_reviewer(world)
    c = client_for("admin")
    c.force_login(reviewer)
    url = reverse("certificates:certificate-revoke", args=[certificate.number])
    response = c.post(url, {"reason": ""})
    assert "撤销原因：必须填写" in response.content.decode()
    assert "撤销类别：必须选择" in response.content.decode()
    response = c.post(url, {"reason": "经核查，申报业绩不实", "category": "made-up"})
    assert "撤销类别：请从列表中选择" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid
    response = c.post(url, {"reason": "经核查，申报业绩不实", "category": "violation"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED and certificate.revoked_reason == "经核查，申报业绩不实"
    assert certificate.revoked_category == Certificate.RevocationCategory.VIOLATION
    assert certificate.revoked_at is not None
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.TRANSITION, content_type__model="certificate", object_id=str(certificate.pk)
    )
    assert entry.to_state == "已撤销" and entry.reason == "经核查，申报业绩不实" and entry.actor == reviewer
    assert Notification.objects.filter(recipient=world.zhang, title__contains="已被撤销").exists()


def test_a_revoked_certificate_cannot_be_revoked_again_and_others_may_not_revoke(world):
    certificate = master_certificate(world)
    with pytest.raises(Exception) as denied:
        certificate_revoke(certificate=certificate, actor=world.zhao, reason="主办单位不颁发传承人证书")
    assert denied.type.__name__ in ("Http404", "PermissionDenied")
    with pytest.raises(ApplicationError, match="必须填写原因"):
        certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="  ")
    with pytest.raises(ApplicationError, match="撤销类别"):
        certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="材料不实", category="secret")
    certificate.refresh_from_db()
    assert certificate.is_valid
    certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="材料不实")
    with pytest.raises(ApplicationError, match="不能变更"):
        certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="再次撤销")


def test_the_api_lists_downloads_and_revokes(world, client_for):
    certificate = master_certificate(world)
    c = client_for("zhang")
    rows = c.get(reverse("api:certificate_list")).json()
    assert [r["number"] for r in rows["items"]] == [certificate.number]
    assert rows["items"][0]["verify_url"].startswith("http")
    assert c.get(reverse("api:certificate_pdf", args=[certificate.number])).content.startswith(b"%PDF")
    url = reverse("api:certificate_revoke", args=[certificate.number])
    assert c.post(url, {"reason": "本人申请"}, content_type="application/json").status_code == 403
    g = client_for("admin")
    g.force_login(guide_reviewer(world))
    assert g.post(url, {"reason": ""}, content_type="application/json").status_code == 400
    data = g.post(url, {"reason": "材料不实"}, content_type="application/json").json()
    assert data["status"] == "revoked" and data["revoked_reason"] == "材料不实"


def test_the_qr_code_leads_to_the_address_the_platform_is_served_at(world, client_for, settings):
    # `make run PORT=8010` without SITE_URL: the code leads back to port 8010, not to a default.
    settings.SITE_URL = ""
    certificate = master_certificate(world)
    client = client_for("zhang")
    page = client.get(reverse("certificates:certificate-detail", args=[certificate.number]), HTTP_HOST="localhost:8010")
    assert f"http://localhost:8010/verify/{certificate.number}/?c=" in page.content.decode()
    api = client.get(reverse("api:certificate_get", args=[certificate.number]), HTTP_HOST="localhost:8010").json()
    assert api["verify_url"].startswith(f"http://localhost:8010/verify/{certificate.number}/?")
    # The address the platform is published at wins over whatever address reached it.
    settings.SITE_URL = "https://chuancheng.example.cn/"
    page = client.get(reverse("certificates:certificate-detail", args=[certificate.number]), HTTP_HOST="localhost:8010")
    body = page.content.decode()
    assert f"https://chuancheng.example.cn/verify/{certificate.number}/?c=" in body and "localhost:8010" not in body
