"""Sensitive fields encrypted at rest (PIPL: ID numbers, criminal records, location, biometrics).

Keys come from settings.PINGAN_FIELD_KEYS, newest first (MultiFernet): new values are encrypted
with the first key, old values decrypt with any. Rotation: prepend a new key, run
`pingan rotate-keys` (re-encrypts every encrypted column), then drop the old key.
Equality lookups on an encrypted value go through a keyed hash column (`blind_index`).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PINGAN_FIELD_KEYS))


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        return token  # plaintext written before encryption was enabled; re-encrypted by rotate-keys
    try:
        return fernet().decrypt(token[len(PREFIX):].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt field: no configured key matches (PINGAN_FIELD_KEYS)") from exc


def rotate(token: str) -> str:
    if not token.startswith(PREFIX):
        return encrypt(token)
    return PREFIX + fernet().rotate(token[len(PREFIX):].encode()).decode()


def blind_index(value: str) -> str:
    """A keyed hash for exact-match lookups without decrypting (e.g. find a person by ID number)."""
    normalized = value.strip().upper()
    return hmac.new(settings.PINGAN_HASH_PEPPER.encode(), normalized.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored as Fernet ciphertext. Not searchable; pair with a blind-index column."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
