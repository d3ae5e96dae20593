"""Admin for core: audit (filled in by its part)."""
