"""The linked dispute follows its court case.

A case received by the court keeps its parties and facts in a disputes.Dispute (source "court");
the court's workflow drives the case, and the dispute's state follows it so the disputes pages,
queues and timeline tell the same story: delegated → the organisation has it (accepted), the
mediator accepted → mediating, an agreement → agreed, confirmed / document issued / resolved →
closed (with its follow-up scheduled), failed → failed, returned for filing → returned for filing.

How: every court transition publishes `court.courtcase.<transition>` (core/workflow.py); the
handler in handlers.py calls `sync_dispute`, which reads the case's *current* state (not the
event's), so a redelivered, late or out-of-order event moves nothing twice. The moves are the
disputes workflow's system transitions `court_*` (no user, no permission), made through
pingan.disputes.linked. The court builds on disputes, never the reverse (DESIGN.md), so the
mapping lives here."""

from __future__ import annotations

from .models import CourtCase

S = CourtCase.State

# Court state → the state its dispute should be in (None: wherever intake left it).
DISPUTE_STATE: dict[str, str | None] = {
    S.RECEIVED: None,
    S.CONSENT_PENDING: None,
    S.DELEGATED: "accepted",
    S.MEDIATOR_ASSIGNED: "accepted",
    S.IN_MEDIATION: "mediating",
    S.SUCCEEDED: "agreed",
    S.DOCUMENT_APPLIED: "agreed",
    S.CONFIRMATION_APPLIED: "agreed",
    S.REJECTED: "agreed",
    S.FAILED: "failed",
    S.DOCUMENT_ISSUED: "closed",
    S.CONFIRMED: "closed",
    S.RESOLVED: "closed",
    S.RETURNED_FOR_FILING: "returned_for_filing",
}


def dispute_state_for(state: str, *, initial: str = "received") -> str:
    return DISPUTE_STATE.get(state) or initial


def sync_dispute(case_id: int) -> str | None:
    """Move the case's dispute to the state its court case calls for; returns the transition made
    (None when the dispute is already there, or has moved on by its own workflow)."""
    from pingan.disputes.linked import follow

    case = CourtCase.objects.filter(pk=case_id).select_related("dispute").first()
    if case is None:
        return None
    target = DISPUTE_STATE.get(case.state)
    if target is None:
        return None
    return follow(dispute=case.dispute, target=target,
                  reason=f"{case.number or case.dispute.title}：{case.get_state_display()}",
                  data={"court_case": case.pk, "court_state": case.state})
