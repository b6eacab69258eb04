"""The public verification page /verify/<number>/ and its JSON twin (APP-8)."""

import pytest
from django.urls import reverse

from certificates import signing
from certificates.services import certificate_revoke
from certificates.tests.factories import master_certificate
from masters.tests.factories import guide_reviewer


def scanned_link(certificate) -> str:
    text = signing.qr_text(signing.payload_for(certificate), certificate.signature)
    return text[text.index("/verify/") :]


def test_anyone_scanning_a_valid_certificate_sees_it_valid_with_the_name_masked(world, client):
    certificate = master_certificate(world, name="张德润")
    response = client.get(scanned_link(certificate))
    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body and "证书签名有效" in body
    assert "张*润" in body and "张德润" in body  # the holder masked; the master's name is public
    assert certificate.number in body and "国家卫生健康委科技发展中心" in body


def test_a_typed_in_number_shows_the_status_without_a_signature_check(world, client):
    certificate = master_certificate(world)
    body = client.get(reverse("certificates:verify", args=[certificate.number])).content.decode()
    assert "有效" in body and "未携带二维码签名" in body


def test_an_altered_or_forged_link_is_flagged(world, client):
    certificate = master_certificate(world)
    other = signing.Payload(**{**signing.payload_for(certificate).__dict__, "term_end": "2099-12-31"})
    forged_sig = signing.b64url(b"\x00" * 64)
    url = reverse("certificates:verify", args=[certificate.number])
    body = client.get(url, {"s": forged_sig}).content.decode()
    assert "签名不符，证书可能被篡改" in body
    # A genuine signature pasted onto altered data.
    body = client.get(url, {"s": certificate.signature, "d": signing.b64url(other.canonical())}).content.decode()
    assert "签名不符，证书可能被篡改" in body


def test_a_revoked_certificate_shows_revoked_with_its_reason_and_date(world, client):
    certificate = master_certificate(world)
    certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="申报材料不实")
    body = client.get(scanned_link(certificate)).content.decode()
    assert "已撤销" in body and "申报材料不实" in body and "撤销。" in body


def test_an_unknown_number_is_not_found(world, client):
    response = client.get(reverse("certificates:verify", args=["CCM-2026-999999"]))
    assert response.status_code == 404
    assert "未找到该证书" in response.content.decode()


def test_the_lookup_form_leads_to_the_page_and_the_key_page_publishes_the_key(world, client):
    response = client.get(reverse("certificates:verify-lookup"), {"number": "ccm-2026-000001"})
    assert response.status_code == 302 and response["Location"].endswith("/verify/CCM-2026-000001/")
    body = client.get(reverse("certificates:verify-key")).content.decode()
    assert "BEGIN PUBLIC KEY" in body and signing.public_key_fingerprint() in body
    pem = client.get(reverse("certificates:verify-key"), {"format": "pem"})
    assert signing.load_public_key(pem.content.decode())


def test_the_api_answers_the_same_for_anyone(world, client):
    certificate = master_certificate(world, name="张德润")
    url = reverse("api:certificate_verify", args=[certificate.number])
    data = client.get(url, {"s": certificate.signature}).json()
    assert data["status"] == "valid" and data["holder"] == "张*润" and data["signature_valid"] is True
    assert client.get(url).json()["signature_valid"] is None
    assert client.get(reverse("api:certificate_verify", args=["CCX"])).status_code == 404


def test_verification_pages_cost_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    certificate = master_certificate(world)
    with django_assert_max_num_queries(3):
        client.get(scanned_link(certificate))


@pytest.mark.parametrize("tamper", ["number", "signature"])
def test_the_offline_command_checks_a_scanned_code(world, tamper, tmp_path):
    from django.core.management import CommandError, call_command

    certificate = master_certificate(world)
    text = signing.qr_text(signing.payload_for(certificate), certificate.signature)
    key_file = tmp_path / "key.pem"
    key_file.write_text(signing.public_key_pem())
    from io import StringIO

    out = StringIO()
    call_command("verify_certificate_payload", text, "--public-key", str(key_file), stdout=out)
    assert "证书签名有效" in out.getvalue()
    if tamper == "number":
        bad = text.replace(f"/verify/{certificate.number}/", "/verify/CCM-2026-000777/")
        message = "不一致"
    else:
        bad = text.replace(certificate.signature, certificate.signature[::-1])
        message = "签名不符"
    with pytest.raises(CommandError, match=message):
        call_command("verify_certificate_payload", bad, stdout=StringIO())
