"""`pingan restore FILE [--yes]`: replace all data with a backup's (core/backup.py)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from pingan.core.backup import (
    BackupError,
    check_file,
    check_migrations,
    read_manifest,
    restore_backup,
)


class Command(BaseCommand):
    help = "Restore a `pingan backup` file: ALL current data is replaced. Stop the server and worker first."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            manifest = read_manifest(path)
            check_migrations(manifest)
            check_file(path, manifest)
            self.stdout.write(
                f"{path}: made {manifest['created_at']} on {manifest['database_vendor']} by pingan "
                f"{manifest['pingan_version']}, {manifest['objects']} objects"
            )
            if not options["yes"]:
                if not sys.stdin.isatty():
                    raise CommandError("refusing to replace all data without --yes (no terminal to ask)")
                answer = input("This REPLACES ALL DATA in the database. Type 'yes' to continue: ")
                if answer.strip() != "yes":
                    raise CommandError("restore cancelled")
            restore_backup(path)
        except BackupError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"restored {manifest['objects']} objects; audit chain verified"))
