"""`pingan policing_rollup`: recount the statistics' daily counts (rollup.py) of the days
that writes have marked, or of every day with --rebuild."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from pingan.policing import rollup


class Command(BaseCommand):
    help = "Recount the policing statistics' daily counts from the records (marked days, or all with --rebuild)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recount every day, not only the marked ones")

    def handle(self, *args, **options):
        if options["rebuild"]:
            rows = rollup.rebuild()
            self.stdout.write(f"rebuilt: {rows} daily counts")
            return
        days = 0
        while n := rollup.refresh():
            days += n
        self.stdout.write(f"recounted {days} marked days")
