"""Encryption of personal identifiers at rest.

A database dump must not reveal resident ID numbers. Each value is encrypted with Fernet
(AES-128-CBC + HMAC-SHA256, from `cryptography`) under a key derived from FIELD_ENCRYPTION_KEY, and
a keyed hash (HMAC-SHA256 under a second derived key) is stored beside it so that an exact look-up
("who has this ID number?") works without decrypting every row. The hash is keyed so that the
small space of valid ID numbers cannot be enumerated from a dump. Phone numbers have a keyed hash
too (`phone_hash`), which makes an account's phone unique. See docs/security.md.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError

from lib.identifiers import validate_mobile


def _derive(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _fernet(secret: str) -> MultiFernet:
    # FIELD_ENCRYPTION_KEY may list several keys separated by commas, newest first: values are
    # written with the first and read with any, so a key can be rotated without downtime.
    keys = [k.strip() for k in secret.split(",") if k.strip()]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(k, b"chuancheng/encrypt"))) for k in keys])


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key is an operator error, never silently "empty"
        raise ValueError("encrypted value cannot be read with the configured FIELD_ENCRYPTION_KEY") from exc


def keyed_hash(value: str) -> str:
    if not value:
        return ""
    first_key = settings.FIELD_ENCRYPTION_KEY.split(",")[0].strip()
    return hmac.new(_derive(first_key, b"chuancheng/lookup"), value.encode(), hashlib.sha256).hexdigest()


def phone_hash(value: str) -> str:
    """The keyed hash of a mobile number in its 11-digit form, so that "+86 138 1234 5678" and
    "13812345678" are one number for look-up and for the uniqueness of accounts' phones."""
    if not value:
        return ""
    try:
        value = validate_mobile(value)
    except ValidationError:
        value = "".join(value.split())  # not a mobile number: hashed as written, less its spaces
    return keyed_hash(value)
