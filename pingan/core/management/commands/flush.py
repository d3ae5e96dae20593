"""Django's `flush`, with the audit log's append-only guard lifted for the wipe.

`flush` empties every table on purpose (an operator resetting a database, or the test runner
between transactional tests); the triggers from core 0003 would otherwise refuse it. The guard is
lifted only inside the flush's own transaction (pingan.core.audit_guard.suspended).
"""

from __future__ import annotations

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from pingan.core import audit_guard


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        with audit_guard.suspended(connection):
            return super().handle(**options)
