"""`pingan policing_rollup`: recount the statistics' daily counts (rollup.py) of the days
that writes have marked, or of every day with --rebuild."""

from __future__ import annotations

from pingan.core.rollup import RecountCommand
from pingan.policing import rollup


class Command(RecountCommand):
    help = "Recount the policing statistics' daily counts from the records (marked days, or all with --rebuild)."
    rollup = rollup
