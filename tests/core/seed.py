"""Re-apply the seed migrations' data when a transactional test elsewhere flushed the tables
(pytest-django's transaction=True tests empty the database afterwards)."""

from __future__ import annotations

import importlib

from django.apps import apps


def ensure_core_seed() -> None:
    for name in ("0004_calendar_seed", "0005_settings_seed"):
        importlib.import_module(f"pingan.core.migrations.{name}").load(apps, None)
