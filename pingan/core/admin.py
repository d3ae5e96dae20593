"""Core admin, one module per part so they can grow apart."""

from . import admin_audit, admin_calendar, admin_rules  # noqa: F401
