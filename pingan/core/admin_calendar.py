"""Admin for core: calendar (filled in by its part)."""
