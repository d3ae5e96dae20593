"""Sensitive fields encrypted at rest (PIPL: ID numbers, criminal records, location, biometrics).

Keys come from settings.PINGAN_FIELD_KEYS (environment variable PINGAN_FIELD_KEYS, comma
separated), newest first (MultiFernet): new values are encrypted with the first key, stored values
decrypt with any of them. Equality lookups on an encrypted value go through a keyed hash column
(`blind_index`, keyed with PINGAN_HASH_PEPPER), never through the ciphertext.

Key rotation path (README "Key rotation" links here):

1. `pingan generate-field-key` prints a new key.
2. Put it *first*: PINGAN_FIELD_KEYS=<new>,<old>; restart the web server and the worker. New
   writes now use the new key; old values still read.
3. `pingan rotate-keys` re-encrypts every EncryptedTextField of every installed model with the
   new key, in batches, each batch in its own transaction, and writes an audit entry
   (KEYS_ROTATED) with the counts. It is safe to run while the site is up and to run again.
4. `pingan rotate-keys --check` must report 0 values outside the newest key.
5. Remove the old key: PINGAN_FIELD_KEYS=<new>; restart. Keep the old key with the backups made
   before step 3 (a backup stores ciphertext and needs the keys of its day to be read).

A lost key cannot be recovered: values encrypted only under it are gone. PINGAN_HASH_PEPPER is
not rotated this way (changing it invalidates every blind index; recompute them from the
decrypted values if you must).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PINGAN_FIELD_KEYS))


def generate_key() -> str:
    return Fernet.generate_key().decode()


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


def under_newest_key(token: str) -> bool:
    if not token.startswith(PREFIX):
        return False
    try:
        Fernet(settings.PINGAN_FIELD_KEYS[0].encode()).decrypt(token[len(PREFIX):].encode())
    except InvalidToken:
        return False
    return True


def blind_index(value: str) -> str:
    """A keyed hash for exact-match lookups without decrypting (e.g. find a person by ID number)."""
    normalized = value.strip().upper()
    return hmac.new(settings.PINGAN_HASH_PEPPER.encode(), normalized.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored as Fernet ciphertext. Not searchable; pair with a blind-index column.

    Serialisation (dumpdata, `pingan backup`) writes the ciphertext, never the plaintext, and a
    value that already carries the ciphertext prefix is stored as it is, so loading a dump does
    not encrypt twice.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        value = str(value)
        return value if value.startswith(PREFIX) else encrypt(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        if value is None or value == "":
            return value
        value = str(value)
        return value if value.startswith(PREFIX) else encrypt(value)


# --- rotation -------------------------------------------------------------------------------


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed, database-backed model."""
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        for f in opts.local_fields:
            if isinstance(f, EncryptedTextField):
                yield model, f


@dataclass
class FieldCount:
    label: str
    values: int = 0
    changed: int = 0


def _column(field: models.Field) -> str:
    if not field.column:
        raise TypeError(f"{field} has no column")
    return field.column


def _pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    if pk is None:
        raise TypeError(f"{model} has no primary key")
    return _column(pk)


def _walk(model, field, batch_size: int, handle: Callable[[list[tuple]], None], *, lock: bool) -> None:
    """Call `handle(rows)` for batches of (pk, stored text) in pk order, each batch in its own
    transaction (rows locked on PostgreSQL). Read raw, so nothing is decrypted on the way."""
    qn = connection.ops.quote_name
    table, pk, col = qn(model._meta.db_table), qn(_pk_column(model)), qn(_column(field))
    for_update = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    last = None
    while True:
        where = f"{col} IS NOT NULL AND {col} <> ''" + (f" AND {pk} > %s" if last is not None else "")
        sql = f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s{for_update}"  # noqa: S608
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql, ([last] if last is not None else []) + [batch_size])
                rows = cur.fetchall()
            if not rows:
                return
            handle(rows)
        last = rows[-1][0]


def rotate_all(*, batch_size: int = 500) -> list[FieldCount]:
    """Re-encrypt every stored value with the newest key; returns counts per field."""
    qn = connection.ops.quote_name
    counts = []
    for model, field in encrypted_fields():
        count = FieldCount(f"{model._meta.label}.{field.name}")
        update = (
            f"UPDATE {qn(model._meta.db_table)} SET {qn(_column(field))} = %s "  # noqa: S608
            f"WHERE {qn(_pk_column(model))} = %s"
        )

        def handle(rows, count=count, update=update):
            with connection.cursor() as cur:
                cur.executemany(update, [(rotate(stored), pk) for pk, stored in rows])
            count.values += len(rows)
            count.changed += len(rows)

        _walk(model, field, batch_size, handle, lock=True)
        counts.append(count)
    return counts


def stale_counts(*, batch_size: int = 500) -> list[FieldCount]:
    """How many stored values are *not* under the newest key (plaintext or an older key)."""
    counts = []
    for model, field in encrypted_fields():
        count = FieldCount(f"{model._meta.label}.{field.name}")

        def handle(rows, count=count):
            count.values += len(rows)
            count.changed += sum(1 for _, stored in rows if not under_newest_key(stored))

        _walk(model, field, batch_size, handle, lock=False)
        counts.append(count)
    return counts
