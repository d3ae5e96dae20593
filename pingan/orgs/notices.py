"""Notices (工作提醒): what an outbox event asks an agency's staff to do — a search task opened in
their office, a result falling due, a monitoring decision about to end. Each app's handlers.py
turns its events into notices with `notify`; the desk (home page) lists the unread ones of the
user's agency, and anyone of the agency marks one as read.

The text is not stored: a notice keeps its topic and parameters, and the topic's text (registered
by the app with `register_text`, a lazy translation) is filled in the reader's language. The key
(the event and the recipient) makes a redelivered event notify once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Agency, Notice

TEXTS: dict[str, Any] = {}


def register_text(topic: str, text: Any) -> None:
    """`text`: a gettext_lazy string with %(name)s placeholders filled from the notice's params."""
    TEXTS[topic] = text


def text_of(notice: Notice) -> str:
    template = TEXTS.get(notice.topic)
    if template is None:
        return notice.topic
    try:
        return str(template) % notice.params
    except (KeyError, TypeError, ValueError):
        return str(template)


def notify(*, agency: Agency | None, topic: str, key: str, params: Mapping[str, Any] | None = None,
           url: str = "") -> Notice | None:
    """One notice for the agency's staff; None when there is no agency or the key was used."""
    if agency is None:
        return None
    try:
        with transaction.atomic():
            return Notice.objects.create(agency=agency, topic=topic, key=f"{key}:{agency.pk}"[:200],
                                         params=dict(params or {}), url=url[:300])
    except IntegrityError:
        return None  # the same event again: already notified


def unread_for(user, *, limit: int = 20) -> QuerySet[Notice]:
    if not getattr(user, "agency_id", None):
        return Notice.objects.none()
    return Notice.objects.filter(agency_id=user.agency_id, read_at__isnull=True).order_by("-created_at", "-pk")[:limit]


def mark_read(*, user, pk: int) -> bool:
    """Only a notice of the user's own agency; True when it was unread."""
    if not getattr(user, "agency_id", None):
        return False
    return bool(Notice.objects.filter(pk=pk, agency_id=user.agency_id, read_at__isnull=True)
                .update(read_at=timezone.now(), read_by=user))
