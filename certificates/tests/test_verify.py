"""The public verification page /verify/<number>/ and its JSON twin (APP-8); a number alone
reveals nothing, a revocation shows its public category (issue 13 §13)."""

import re

import pytest
from django.urls import reverse

from certificates import signing
from certificates.models import Certificate, normalize_verification_code
from certificates.services import certificate_revoke
from certificates.tests.factories import master_certificate
from masters.tests.factories import applicant, certified, guide_reviewer


def scanned_link(certificate) -> str:
    text = signing.qr_text_for(certificate)
    return text[text.index("/verify/") :]


def printed_before_codes(certificate) -> str:
    """The QR link of a certificate printed before verification codes: payload and signature."""
    text = signing.qr_text(signing.payload_for(certificate), certificate.signature)
    assert "c=" not in text
    return text[text.index("/verify/") :]


def next_number(number: str) -> str:
    prefix, year, serial = number.rsplit("-", 2)
    return f"{prefix}-{year}-{int(serial) + 1:06d}"


def public_answer(client, number: str, **query) -> tuple[int, str]:
    """What the page says, with the number itself blanked out so two numbers can be compared."""
    response = client.get(reverse("certificates:verify", args=[number]), query)
    body = response.content.decode().replace(number, "NUMBER")
    # The CSRF token is masked afresh for every response.
    return response.status_code, re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", body)


def test_anyone_scanning_a_valid_certificate_sees_it_valid_with_the_name_masked(world, client):
    certificate = master_certificate(world, name="张德润")
    response = client.get(scanned_link(certificate))
    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body and "证书签名有效" in body
    # Holder and master masked by the one rule: on a master's certificate they are one person.
    assert 'id="verify-holder">张*润<' in body and 'id="verify-master">张*润<' in body
    assert "张德润" not in body
    assert certificate.number in body and "国家卫生健康委科技发展中心" in body


def test_a_typed_in_number_with_its_code_shows_the_status_without_a_signature_check(world, client):
    certificate = master_certificate(world)
    url = reverse("certificates:verify", args=[certificate.number])
    body = client.get(url, {"c": certificate.verification_code}).content.decode()
    assert "有效" in body and "未携带二维码签名" in body
    # As a person types it off the paper: lower case, a dash, O for 0 and I or L for 1.
    typed = certificate.verification_code.lower()
    typed = typed[:5] + "-" + typed[5:]
    typed = typed.replace("0", "o").replace("1", "l")
    assert normalize_verification_code(typed) == certificate.verification_code
    assert client.get(url, {"c": typed}).status_code == 200


def test_a_number_without_its_code_asks_for_the_code_and_says_nothing_else(world, client):
    certificate = master_certificate(world, name="张德润")
    response = client.get(reverse("certificates:verify", args=[certificate.number]))
    body = response.content.decode()
    assert response.status_code == 200 and "查验码" in body
    assert "有效" not in body and "张*润" not in body and "国家卫生健康委科技发展中心" not in body


def test_probing_numbers_in_sequence_reveals_nothing_without_the_code(world, client):
    first = master_certificate(world)
    second = Certificate.objects.get(master=certified(world, applicant(world, "王明远")), kind="master")
    assert second.number == next_number(first.number)  # what makes the numbers guessable
    never_issued = next_number(second.number)
    for query in ({}, {"c": "ABCDE12345"}, {"c": first.verification_code}, {"s": first.signature}):
        # first's code or signature proves nothing about second: each belongs to one certificate.
        answers = {public_answer(client, number, **query) for number in (second.number, never_issued)}
        assert len(answers) == 1, f"{query}: an issued number answers differently from one never issued"
    status, body = public_answer(client, never_issued, c="ABCDE12345")
    assert status == 404 and "未找到该证书" in body
    status, body = public_answer(client, second.number, c=second.verification_code)
    assert status == 200 and "该传承人证书由本平台颁发，目前有效" in body


def test_each_certificate_has_its_own_unguessable_code(world):
    first = master_certificate(world)
    second = Certificate.objects.get(master=certified(world, applicant(world, "王明远")), kind="master")
    assert first.verification_code != second.verification_code
    for code in (first.verification_code, second.verification_code):
        assert len(code) == 10 and normalize_verification_code(code) == code


def test_a_certificate_printed_before_codes_still_verifies_by_its_qr_signature(world, client):
    certificate = master_certificate(world)
    response = client.get(printed_before_codes(certificate))
    assert response.status_code == 200 and "证书签名有效" in response.content.decode()


def test_the_migration_gives_each_existing_certificate_its_own_code_and_hides_revocation_reasons(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("certificates.migrations.0003_verification_code_and_public_revocation_category")
    first = master_certificate(world)
    second = Certificate.objects.get(master=certified(world, applicant(world, "王明远")), kind="master")
    certificate_revoke(certificate=second, actor=guide_reviewer(world), reason="申报材料不实")
    # As the rows stood before the migration.
    Certificate.objects.update(verification_code="", revoked_category="")
    migration.codes_and_categories(apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert len(first.verification_code) == 10 and len(second.verification_code) == 10
    assert first.verification_code != second.verification_code
    assert first.revoked_category == "" and second.revoked_category == "other"


def test_an_altered_or_forged_link_is_flagged(world, client):
    certificate = master_certificate(world)
    other = signing.Payload(**{**signing.payload_for(certificate).__dict__, "term_end": "2099-12-31"})
    forged_sig = signing.b64url(b"\x00" * 64)
    url = reverse("certificates:verify", args=[certificate.number])
    body = client.get(url, {"c": certificate.verification_code, "s": forged_sig}).content.decode()
    assert "签名不符，证书可能被篡改" in body
    # A forged signature without the code is no certificate of ours.
    response = client.get(url, {"s": forged_sig})
    assert response.status_code == 404 and "未找到该证书" in response.content.decode()
    # A genuine signature pasted onto altered data.
    body = client.get(url, {"s": certificate.signature, "d": signing.b64url(other.canonical())}).content.decode()
    assert "签名不符，证书可能被篡改" in body


def test_a_revoked_certificate_shows_its_public_category_and_date_never_the_reason(world, client):
    certificate = master_certificate(world)
    certificate_revoke(
        certificate=certificate, actor=guide_reviewer(world), reason="申报材料不实，王某举报", category="error"
    )
    body = client.get(scanned_link(certificate)).content.decode()
    assert "已撤销" in body and "撤销类别" in body and "信息有误" in body and "撤销。" in body
    assert "申报材料不实" not in body and "王某" not in body
    # Its holder and the issuing unit still read the reason.
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "申报材料不实，王某举报"


def test_a_revocation_without_a_category_is_shown_as_other(world, client):
    certificate = master_certificate(world)
    certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="内部原因")
    body = client.get(scanned_link(certificate)).content.decode()
    assert "其他" in body and "内部原因" not in body


def test_an_unknown_number_is_not_found(world, client):
    response = client.get(reverse("certificates:verify", args=["CCM-2026-999999"]), {"c": "ABCDE12345"})
    assert response.status_code == 404
    assert "未找到该证书" in response.content.decode()


def test_the_lookup_form_leads_to_the_page_and_the_key_page_publishes_the_key(world, client):
    response = client.get(reverse("certificates:verify-lookup"), {"number": "ccm-2026-000001"})
    assert response.status_code == 302 and response["Location"].endswith("/verify/CCM-2026-000001/")
    response = client.get(reverse("certificates:verify-lookup"), {"number": "ccm-2026-000001", "c": "k7m3-qx2a9b"})
    assert response.status_code == 302 and response["Location"].endswith("/verify/CCM-2026-000001/?c=k7m3-qx2a9b")
    body = client.get(reverse("certificates:verify-key")).content.decode()
    assert "BEGIN PUBLIC KEY" in body and signing.public_key_fingerprint() in body
    pem = client.get(reverse("certificates:verify-key"), {"format": "pem"})
    assert signing.load_public_key(pem.content.decode())


def test_the_api_answers_the_same_for_anyone(world, client):
    certificate = master_certificate(world, name="张德润")
    url = reverse("api:certificate_verify", args=[certificate.number])
    data = client.get(url, {"s": certificate.signature}).json()
    assert data["status"] == "valid" and data["holder"] == "张*润" and data["signature_valid"] is True
    assert data["master"] == "张*润" and data["state"] == "valid"
    assert client.get(url, {"c": certificate.verification_code}).json()["signature_valid"] is None
    assert client.get(reverse("api:certificate_verify", args=["CCX"])).status_code == 404


def test_the_api_says_nothing_of_a_number_without_its_code_and_only_the_public_category(world, client):
    certificate = master_certificate(world)
    never_issued = next_number(certificate.number)
    for query in ({}, {"c": "ABCDE12345"}, {"s": signing.b64url(b"\x00" * 64)}):
        issued = client.get(reverse("api:certificate_verify", args=[certificate.number]), query)
        unknown = client.get(reverse("api:certificate_verify", args=[never_issued]), query)
        assert issued.status_code == unknown.status_code == 404 and issued.content == unknown.content
    certificate_revoke(
        certificate=certificate, actor=guide_reviewer(world), reason="举报人王某称材料不实", category="violation"
    )
    response = client.get(
        reverse("api:certificate_verify", args=[certificate.number]), {"c": certificate.verification_code}
    )
    data = response.json()
    assert data["status"] == "revoked" and data["revoked_category"] == "违反规定"
    assert "王某" not in response.content.decode()


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


GREEN_BANNER = '<strong class="fs-5">有效</strong>'
RED_BANNER = '<strong class="fs-5">无效</strong>'


@pytest.mark.parametrize("tamper", ["signature", "data", "both"])
def test_a_tampered_qr_code_shows_a_red_invalid_state_never_the_green_valid_banner(world, client, tamper):
    certificate = master_certificate(world)
    genuine = signing.payload_for(certificate)
    altered = signing.Payload(**{**genuine.__dict__, "term_end": "2099-12-31"})
    query = {"c": certificate.verification_code, "s": certificate.signature, "d": signing.b64url(genuine.canonical())}
    if tamper in ("signature", "both"):
        query["s"] = certificate.signature[::-1]
    if tamper in ("data", "both"):
        query["d"] = signing.b64url(altered.canonical())
    response = client.get(reverse("certificates:verify", args=[certificate.number]), query)
    body = response.content.decode()
    assert RED_BANNER in body and "alert-danger" in body
    assert GREEN_BANNER not in body and "alert-success" not in body
    data = client.get(reverse("api:certificate_verify", args=[certificate.number]), query).json()
    assert data["state"] == "invalid" and data["signature_valid"] is False


def test_the_genuine_qr_code_still_shows_the_green_valid_banner(world, client):
    certificate = master_certificate(world)
    body = client.get(scanned_link(certificate)).content.decode()
    assert GREEN_BANNER in body and RED_BANNER not in body


def test_a_record_altered_after_issue_shows_invalid(world, client):
    certificate = master_certificate(world)
    link = scanned_link(certificate)
    Certificate.objects.filter(pk=certificate.pk).update(master_name="李四")
    body = client.get(reverse("certificates:verify", args=[certificate.number]), {"c": certificate.verification_code})
    body = body.content.decode()
    assert RED_BANNER in body and GREEN_BANNER not in body
    assert RED_BANNER in client.get(link).content.decode()


def test_the_apprentice_certificate_masks_holder_and_master_alike(world, client):
    from certificates.services import certificate_issue

    master = master_certificate(world, name="张德润").master
    certificate = certificate_issue(
        kind=Certificate.Kind.APPRENTICE,
        holder=world.liming,
        holder_name="欧阳明月",
        master=master,
        issuer=world.host,
        actor=world.zhao,
        subject=master,
    )
    body = client.get(scanned_link(certificate)).content.decode()
    assert 'id="verify-holder">欧**月<' in body and 'id="verify-master">张*润<' in body
    assert "欧阳明月" not in body and "张德润" not in body
