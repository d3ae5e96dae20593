"""Encryption at rest and key rotation, on the real encrypted column orgs.User.id_number."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection

from pingan.core.audit import AuditEvent
from pingan.core.crypto import PREFIX, blind_index, decrypt, encrypted_fields
from pingan.core.models import AuditEntry
from pingan.orgs.models import User

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
NUMBERS = ["520204199001011238", "11010519491231002X", "520221198512120011"]


def _raw(user: User) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM orgs_user WHERE id = %s", [user.pk])
        return cur.fetchone()[0]


def _reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_raw_column_never_holds_the_plaintext(settings):
    settings.PINGAN_FIELD_KEYS = [KEY_A]
    user = User.objects.create(username="u", id_number=NUMBERS[0])
    raw = _raw(user)
    assert raw.startswith(PREFIX)
    assert NUMBERS[0] not in raw and "19900101" not in raw
    assert _reload(user).id_number == NUMBERS[0]
    # Two writes of the same value differ (random IV), so equal numbers are not visible as equal.
    other = User.objects.create(username="v", id_number=NUMBERS[0])
    assert _raw(other) != raw


@pytest.mark.django_db
def test_serialised_rows_carry_ciphertext_and_load_back_without_double_encryption(settings):
    settings.PINGAN_FIELD_KEYS = [KEY_A]
    user = User.objects.create(username="u", id_number=NUMBERS[1])
    text = serializers.serialize("json", [_reload(user)])
    assert NUMBERS[1] not in text and PREFIX in text
    User.objects.filter(pk=user.pk).update(id_number="")
    for obj in serializers.deserialize("json", text):
        obj.save()
    assert _reload(user).id_number == NUMBERS[1]


@pytest.mark.django_db
def test_rotation_moves_every_value_to_the_new_key(settings):
    settings.PINGAN_FIELD_KEYS = [KEY_A]
    users = [User.objects.create(username=f"u{i}", id_number=n) for i, n in enumerate(NUMBERS)]
    User.objects.create(username="blank")  # empty values are left alone
    with connection.cursor() as cur:  # a value stored before encryption was switched on
        cur.execute("UPDATE orgs_user SET id_number = %s WHERE id = %s", ["520204200001011234", users[2].pk])

    settings.PINGAN_FIELD_KEYS = [KEY_B]
    with pytest.raises(ValueError, match="PINGAN_FIELD_KEYS"):
        _reload(users[0])  # B alone cannot read A's values yet

    settings.PINGAN_FIELD_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="3 value"):
        call_command("rotate_keys", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out)
    assert "orgs.User.id_number: 3 re-encrypted" in out.getvalue()
    call_command("rotate_keys", "--check", stdout=io.StringIO())  # passes now

    entry = AuditEntry.objects.filter(event_type=AuditEvent.KEYS_ROTATED).get()
    assert entry.after["fields"]["orgs.User.id_number"] == 3

    settings.PINGAN_FIELD_KEYS = [KEY_B]  # the old key is gone
    assert _reload(users[0]).id_number == NUMBERS[0]
    assert _reload(users[1]).id_number == NUMBERS[1]
    assert _reload(users[2]).id_number == "520204200001011234"
    assert all(_raw(u).startswith(PREFIX) for u in users)
    assert "520204200001011234" not in _raw(users[2])


@pytest.mark.django_db
def test_unknown_key_is_a_clear_error(settings):
    settings.PINGAN_FIELD_KEYS = [KEY_A]
    user = User.objects.create(username="u", id_number=NUMBERS[0])
    settings.PINGAN_FIELD_KEYS = [KEY_B]
    with pytest.raises(ValueError, match="no configured key"):
        decrypt(_raw(user))


def test_encrypted_fields_are_discovered():
    labels = {f"{m._meta.label}.{f.name}" for m, f in encrypted_fields()}
    assert "orgs.User.id_number" in labels


def test_blind_index_is_keyed_and_normalised(settings):
    assert blind_index(" 11010519491231002x ") == blind_index("11010519491231002X")
    first = blind_index(NUMBERS[0])
    settings.PINGAN_HASH_PEPPER = "another pepper"
    assert blind_index(NUMBERS[0]) != first


def test_generate_field_key_prints_a_usable_key():
    out = io.StringIO()
    call_command("generate_field_key", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"
