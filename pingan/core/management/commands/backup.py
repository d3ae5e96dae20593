"""`pingan backup [--output FILE]`: write the whole database to one file (core/backup.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from pingan.core.backup import create_backup


class Command(BaseCommand):
    help = "Back up every table to one gzip'd JSON Lines file (default: PINGAN_BACKUP_DIR)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: PINGAN_BACKUP_DIR/pingan-<UTC time>.jsonl.gz)")

    def handle(self, *args, **options):
        path, manifest = create_backup(options["output"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {manifest['objects']} objects, sha256 {manifest['sha256']}, "
                f"audit head #{manifest['audit']['last_seq']} {manifest['audit']['last_hash']}"
            )
        )
