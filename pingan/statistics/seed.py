"""Shipped statistics data: the default permission rows (data/permissions.json), loaded by the
data migration, `pingan demo` and the test fixtures through orgs.seed."""

from __future__ import annotations

from pathlib import Path

PERMISSIONS_FILE = Path(__file__).resolve().parent / "data" / "permissions.json"
