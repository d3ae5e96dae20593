"""Admin for core: rules (filled in by its part)."""
