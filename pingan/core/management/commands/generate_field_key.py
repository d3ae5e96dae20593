"""`pingan generate-field-key`: print a new key for PINGAN_FIELD_KEYS (see core/crypto.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from pingan.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new field-encryption key. Put it first in PINGAN_FIELD_KEYS, then run rotate-keys."

    def handle(self, *args, **options):
        key = generate_key()
        self.stdout.write(key)
        self.stderr.write(
            "Put this key FIRST in PINGAN_FIELD_KEYS (comma-separated, newest first), restart, run "
            "`pingan rotate-keys`, check with `pingan rotate-keys --check`, then drop the old key. "
            "Store it like a password: values encrypted under a lost key cannot be recovered."
        )
