"""The QR payload's signature: made with the configured key, checked online and offline."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from certificates import signing

PAYLOAD = signing.Payload(
    kind="apprentice",
    number="CCA-2026-000001",
    holder="李*",
    master="张德润",
    term_start="2025-03-01",
    term_end="2026-02-28",
    issued_on="2026-03-02",
)


@pytest.mark.parametrize(
    "name, masked", [("张德润", "张*润"), ("李明", "李*"), ("欧阳明月", "欧**月"), ("王", "王"), ("", "")]
)
def test_names_are_partly_masked(name, masked):
    assert signing.mask_name(name) == masked


def test_a_signature_checks_out_and_any_altered_field_breaks_it():
    signature = signing.sign(PAYLOAD)
    assert signing.signature_valid(PAYLOAD, signature)
    for field, value in [("holder", "王*"), ("term_end", "2029-02-28"), ("number", "CCA-2026-000002")]:
        altered = signing.Payload(**{**PAYLOAD.__dict__, field: value})
        assert not signing.signature_valid(altered, signature)
    assert not signing.signature_valid(PAYLOAD, "not-a-signature")


def test_the_qr_text_parses_back_to_the_payload(settings):
    settings.SITE_URL = "https://chuancheng.example.cn"
    text = signing.qr_text(PAYLOAD, signing.sign(PAYLOAD))
    assert text.startswith("https://chuancheng.example.cn/verify/CCA-2026-000001/?d=")
    scanned = signing.parse_scanned(text)
    assert scanned.payload == PAYLOAD and not scanned.error
    assert signing.signature_valid(scanned.payload, scanned.signature)


def test_a_configured_key_in_pem_or_base64_is_used(settings):
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    for configured in (pem, base64.b64encode(raw).decode()):
        settings.CERTIFICATE_SIGNING_KEY = configured
        signature = signing.sign(PAYLOAD)
        key.public_key().verify(signing.unb64url(signature), PAYLOAD.canonical())


def test_a_malformed_key_and_a_missing_key_in_production_are_refused(settings):
    settings.CERTIFICATE_SIGNING_KEY = "c2hvcnQ="
    with pytest.raises(ImproperlyConfigured, match="32 raw bytes"):
        signing.sign(PAYLOAD)
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.PRODUCTION = True
    settings.SECRET_KEY = "another-secret-for-this-test"
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_KEY"):
        signing.sign(PAYLOAD)
