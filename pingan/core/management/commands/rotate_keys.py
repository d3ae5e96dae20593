"""`pingan rotate-keys`: re-encrypt every encrypted column with the newest key (core/crypto.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import rotate_all, stale_counts


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField with the first key of PINGAN_FIELD_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; count values not yet under the newest key (exit 1 if any)",
        )

    def handle(self, *args, **options):
        if options["check"]:
            counts = stale_counts(batch_size=options["batch_size"])
            stale = sum(c.changed for c in counts)
            for c in counts:
                self.stdout.write(f"{c.label}: {c.values} values, {c.changed} not under the newest key")
            if stale:
                raise CommandError(f"{stale} value(s) still need `pingan rotate-keys`")
            self.stdout.write(self.style.SUCCESS("every value is under the newest key; old keys can go"))
            return
        counts = rotate_all(batch_size=options["batch_size"])
        with transaction.atomic():
            record(
                actor=None,
                event_type=AuditEvent.KEYS_ROTATED,
                action="rotate_keys",
                after={"fields": {c.label: c.changed for c in counts}, "keys_configured": len(settings.PINGAN_FIELD_KEYS)},
            )
        for c in counts:
            self.stdout.write(f"{c.label}: {c.changed} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"rotated {sum(c.changed for c in counts)} values"))
