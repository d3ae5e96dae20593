"""Referral letters (函件推送): push a dispute by letter to the body responsible, with a reply
deadline (core deadlines, `disputes.referral_reply_working_days`), record the reply, remind
once when the reply is overdue (tasks.remind_overdue_referrals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.deadlines import complete_deadline, start_deadline
from pingan.core.documents import docx_to_pdf, render_docx
from pingan.core.models import Deadline, Setting
from pingan.core.outbox import publish
from pingan.core.settings_store import get_period
from pingan.core.workflow import transition
from pingan.orgs.models import Agency

from .mediation import TEMPLATES, _check, _fmt_date, _locked
from .models import Dispute, Referral

DEADLINE_KIND = "disputes.referral_reply"
SETTING = "disputes.referral_reply_working_days"


def _letter_number(sender: Agency, year: int) -> str:
    Agency.objects.select_for_update().filter(pk=sender.pk).first()  # serialise numbering per sender
    seq = Referral.objects.filter(sender=sender, sent_at__year=year).count() + 1
    return f"{sender.short_name or sender.name}函〔{year}〕{seq}号"


@transaction.atomic
def refer_dispute(*, dispute: Dispute, recipient: Agency, request: str, by, contact: str = "") -> Referral:
    if not (request or "").strip():
        raise ValidationError({"request": _("请写明转办事项。")}, code="required")
    if not recipient.is_active:
        raise ValidationError({"recipient": _("该单位已停用。")}, code="inactive")
    dispute = _locked(dispute)
    sender = getattr(by, "agency", None) or dispute.handling_agency
    if sender is None:
        raise ValidationError({"recipient": _("无法确定发函单位。")}, code="no_sender")
    if sender.pk == recipient.pk:
        raise ValidationError({"recipient": _("不能向本单位发函。")}, code="same_agency")
    # The sender follows the referral up (reply, closure, follow-up visit) when nobody handles it yet.
    updates = {"handling_agency": sender} if dispute.handling_agency_id is None else {}
    transition(obj=dispute, name="refer", by=by, data={"recipient": recipient.code}, updates=updates)
    now = timezone.now()
    referral = Referral(
        dispute=dispute, recipient=recipient, sender=sender, letter_number=_letter_number(sender, now.year),
        request=request.strip(), contact=(contact or "").strip(), sent_at=now,
        created_by=by if getattr(by, "pk", None) else None,
    )
    referral.full_clean(exclude=["deadline"])
    referral.save()
    amount, unit = get_period(SETTING)
    source = Setting.objects.filter(key=SETTING).values_list("source", flat=True).first() or ""
    referral.deadline = start_deadline(target=referral, kind=DEADLINE_KIND, start=now, amount=amount, unit=unit,
                                       source=source[:300], by=by)
    referral.save(update_fields=["deadline"])
    record(actor=by, event_type=AuditEvent.DISPUTE_REFERRED, action="dispute.refer", obj=dispute,
           after={"referral": referral.pk, "letter_number": referral.letter_number, "recipient": recipient.code,
                  "reply_due": referral.deadline.due.isoformat()})
    return referral


@transaction.atomic
def record_reply(*, referral: Referral, reply: str, by, replied_at: datetime | None = None) -> Referral:
    if not (reply or "").strip():
        raise ValidationError({"reply": _("请填写回复内容。")}, code="required")
    referral = Referral.objects.select_for_update(of=("self",)).select_related("dispute", "deadline").get(pk=referral.pk)
    _check(by, referral.dispute, "refer")
    if referral.replied_at is not None:
        raise ValidationError({"reply": _("该函件已登记回复。")}, code="duplicate")
    replied_at = replied_at or timezone.now()
    if replied_at < referral.sent_at:
        raise ValidationError({"replied_at": _("回复时间早于发函时间。")}, code="before_sent")
    referral.reply = reply.strip()
    referral.replied_at = replied_at
    referral.replied_by = by if getattr(by, "pk", None) else None
    referral.save(update_fields=["reply", "replied_at", "replied_by"])
    if referral.deadline and referral.deadline.status in (Deadline.Status.RUNNING, Deadline.Status.PAUSED):
        complete_deadline(deadline=referral.deadline, by=by)
    record(actor=by, event_type=AuditEvent.DISPUTE_REFERRED, action="dispute.referral_reply", obj=referral.dispute,
           after={"referral": referral.pk, "replied_at": replied_at.isoformat(),
                  "late": bool(referral.deadline and replied_at > referral.deadline.due)})
    return referral


def remind_overdue(now: datetime | None = None) -> list[int]:
    """Remind once per overdue referral: the compare-and-set on `reminded_at` makes a second run
    (or a second worker) a no-op. The reminder itself is an outbox event for the notifier."""
    now = now or timezone.now()
    reminded = []
    overdue = Referral.objects.filter(replied_at__isnull=True, reminded_at__isnull=True, deadline__due__lt=now)
    for pk, dispute_id, letter, recipient_id in overdue.values_list("pk", "dispute_id", "letter_number", "recipient_id"):
        with transaction.atomic():
            if Referral.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            publish("disputes.referral.overdue", {"referral": pk, "dispute": dispute_id, "recipient": recipient_id})
            dispute = Dispute.objects.get(pk=dispute_id)
            record(actor=None, event_type=AuditEvent.DISPUTE_REFERRED, action="dispute.referral_reminded",
                   obj=dispute, after={"referral": pk, "letter_number": letter})
            reminded.append(pk)
    return reminded


def letter_context(referral: Referral) -> dict[str, Any]:
    d = referral.dispute
    return {
        "letter_number": referral.letter_number, "recipient": referral.recipient.name, "title": d.title,
        "number": d.number or str(d.uuid)[:8], "received_on": _fmt_date(d.received_at),
        "parties": [{"role": p.get_role_display(), "name": p.name, "phone": p.masked_phone} for p in d.parties.all()],
        "facts": d.facts, "request": referral.request,
        "reply_due": _fmt_date(referral.deadline.due if referral.deadline else None),
        "contact": referral.contact, "sender": referral.sender.name, "sent_on": _fmt_date(referral.sent_at),
    }


def letter_document(*, referral: Referral, fmt: str = "docx") -> bytes:
    """The letter (phones masked: the recipient gets the case, contact goes through the sender)."""
    docx = render_docx(TEMPLATES / "referral_letter.docx", letter_context(referral))
    return docx_to_pdf(docx) if fmt == "pdf" else docx
