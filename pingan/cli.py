"""The `pingan` console script: manage.py with a few friendly verbs.

    pingan serve [--host H] [--port P]   run the web server (granian, WSGI)
    pingan migrate                       apply database migrations
    pingan worker                        run the background worker
    pingan demo                          load demo data (idempotent)
    pingan verify-audit                  check the audit log's hash chain
    pingan backup / restore              dump / load all data
    pingan <any manage.py command>
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "serve": "serve",
    "worker": "worker",
    "demo": "demo",
    "verify-audit": "verify_audit",
    "backup": "backup",
    "restore": "restore",
    "rotate-keys": "rotate_keys",
    "generate-field-key": "generate_field_key",
    "test": "test",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.config.settings")
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
