"""Domain errors raised by services; config/api.py and the page views map them to 4xx."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refusal the user can act on. `code` is stable for clients; `message` is translated."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The record changed under us (e.g. a transition from a state it is no longer in)."""

    status = 409

    def __init__(self, message: str, *, code: str = "conflict", field: str | None = None, extra: dict | None = None):
        super().__init__(message, code=code, field=field, extra=extra)
