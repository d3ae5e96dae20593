"""Pages for the work on a dispute: one POST endpoint per action (forms_work), the documents
(agreement, referral letter) and the per-role work queue. Which buttons show is computed here
(work_context), never in templates. Refusals keep the page and answer 400 (not allowed from this
state or bad input), 403 (not yours) or 409 (someone else acted first)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pingan.core import punctuation
from pingan.core.documents import DOCX_CONTENT_TYPE, PDF_CONTENT_TYPE
from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.pages import form_errors
from pingan.core.workflow import allowed_transitions, history
from pingan.orgs.permissions import has_object_permission

from . import forms_work as fw
from . import selectors, services
from .followups import open_follow_up
from .grading import latest_grading
from .mediation import agreement_document, missing_signatures
from .models import Agreement, Dispute, Referral
from .referrals import letter_document
from .routing import current_routing
from .workflow import DISPUTE, SYSTEM_TRANSITIONS

if TYPE_CHECKING:  # django-stubs is a test dependency only
    from django_stubs_ext import StrOrPromise


@dataclass
class Action:
    form: type
    run: Callable[..., Any]
    success: StrOrPromise  # lazy: ACTIONS is built at import, shown in the reader's language


def _data(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != "seen_state"}


ACTIONS: dict[str, Action] = {
    "grade": Action(fw.StateForm, lambda d, u, f: services.grade_dispute(dispute=d, by=u), gettext_lazy("已按规则定级。")),
    "override": Action(fw.OverrideForm, lambda d, u, f: services.override_grade(dispute=d, by=u, **_data(f)),
                       gettext_lazy("已调整风险等级。")),
    "route": Action(fw.RouteForm, lambda d, u, f: services.route_dispute(
        dispute=d, by=u, tier=f.cleaned_data["tier"] or None, reason=f.cleaned_data["reason"]), gettext_lazy("已分流。")),
    "accept": Action(fw.StateForm, lambda d, u, f: services.accept_routing(dispute=d, by=u), gettext_lazy("已受理。")),
    "decline": Action(fw.ReasonForm, lambda d, u, f: services.decline_routing(dispute=d, by=u, **_data(f)),
                      gettext_lazy("已拒收，等待重新分流。")),
    "change_tier": Action(fw.TierChangeForm, lambda d, u, f: services.change_tier(
        dispute=d, by=u, reason=f.cleaned_data["reason"], to_tier=f.cleaned_data["to_tier"] or None),
        gettext_lazy("已调整分流层级。")),
    "session": Action(fw.SessionForm, lambda d, u, f: services.add_session(dispute=d, by=u, data=f.service_data()),
                      gettext_lazy("已记录调解会。")),
    "note": Action(fw.NoteForm, lambda d, u, f: services.add_note(dispute=d, by=u, **_data(f)), gettext_lazy("已添加记录。")),
    "agreement": Action(fw.AgreementForm, lambda d, u, f: services.create_agreement(
        dispute=d, by=u, data=f.service_data()), gettext_lazy("已生成调解协议书，请记录签署。")),
    "outcome": Action(fw.OutcomeForm, lambda d, u, f: services.record_outcome(dispute=d, by=u, **_data(f)),
                      gettext_lazy("已记录调解结果。")),
    "fail": Action(fw.FailForm, lambda d, u, f: services.fail_mediation(dispute=d, by=u, **_data(f)),
                   gettext_lazy("已记录调解不成。")),
    "refer": Action(fw.ReferForm, lambda d, u, f: services.refer_dispute(dispute=d, by=u, **_data(f)),
                    gettext_lazy("已发函。")),
    "close": Action(fw.OptionalReasonForm, lambda d, u, f: services.close_dispute(dispute=d, by=u, **_data(f)),
                    gettext_lazy("已办结，已安排回访。")),
    "follow_up": Action(fw.FollowUpForm, lambda d, u, f: services.record_follow_up(dispute=d, by=u, **_data(f)),
                        gettext_lazy("已记录回访。")),
}


def _transition_label(name: str) -> str:
    found = [t for t in DISPUTE.transitions if t.name == name]
    return found[0].display if found else name


def work_context(*, user, dispute: Dispute) -> dict[str, Any]:
    """Everything the detail page needs for the work panels, with every permission decided here."""
    moves = {a.name: a.allowed for a in allowed_transitions(dispute, user) if a.name not in SYSTEM_TRANSITIONS}
    may = {action: has_object_permission(user, dispute, action) for action in ("grade", "mediate", "refer")}
    state = dispute.state
    agreement = dispute.agreements.select_related("committee").first()
    routing = current_routing(dispute)
    signatures = list(agreement.signatures.all()) if agreement else []
    signed_parties = {s.party_id for s in signatures}  # one query for the page, not one per party
    can = {
        "grade": moves.get("grade", False),
        "override": may["grade"] and state not in ("received",) and dispute.grade is not None,
        "route": moves.get("route", False),
        "accept": moves.get("accept", False),
        "decline": moves.get("decline", False),
        "change_tier": moves.get("escalate", False) or moves.get("deescalate", False),
        "session": may["mediate"] and state in ("accepted", "mediating"),
        "note": may["mediate"] and state in ("accepted", "mediating"),
        "agreement": moves.get("agree", False),
        "outcome": (moves.get("agree", False) or moves.get("withdraw", False)) and state == "mediating",
        "fail": moves.get("fail", False),
        "refer": moves.get("refer", False),
        "close": moves.get("close", False),
        "follow_up": moves.get("follow_up", False) and open_follow_up(dispute) is not None,
        "sign": agreement is not None and may["mediate"] and agreement.effective_at is None,
        "reply": may["refer"],
    }
    forms = {
        name: ACTIONS[name].form(initial={"seen_state": state})
        for name, allowed in can.items() if allowed and name in ACTIONS
    }
    return {
        "can": can, "forms": forms, "seen_state": state,
        "timeline": [
            {"at": t.at, "by": t.by, "from": DISPUTE.label(t.from_state), "to": DISPUTE.label(t.to_state),
             "label": _transition_label(t.name), "reason": t.reason}
            for t in history(dispute)
        ],
        "grading": latest_grading(dispute),
        "routing": routing,
        "routing_agencies": list(routing.agencies.all()) if routing else [],
        "routings": list(dispute.routings.select_related("lead_agency").order_by("-routed_at", "-pk")),
        "sessions": list(dispute.sessions.all()),
        "notes": list(dispute.notes.select_related("author")),
        "outcomes": list(dispute.outcomes.all()),
        "agreement": agreement,
        "signatures": signatures,
        "missing_signatures": missing_signatures(agreement) if agreement else [],
        "unsigned_parties": [p for p in dispute.parties.all() if p.pk not in signed_parties] if agreement else [],
        "referrals": list(dispute.referrals.select_related("recipient", "deadline")),
        "follow_ups": list(dispute.follow_ups.all()),
        "now": timezone.now(),
    }


def _render_detail(request, dispute: Dispute, *, status: int, failed: str | None = None, form=None):
    from .views import detail_context

    context = detail_context(request, dispute)
    if failed and form is not None:
        context["work"]["forms"][failed] = form
        context["failed"] = failed
    return render(request, "disputes/dispute_detail.html", context, status=status)


@login_required
@require_POST
def dispute_act(request, uuid, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    dispute = selectors.get_dispute(user=request.user, uuid=uuid)
    form = spec.form(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return _render_detail(request, dispute, status=400, failed=action, form=form)
    try:
        if form.cleaned_data["seen_state"] != dispute.state:
            raise ConflictError(_("记录状态已被他人改变，请刷新后重试。"), code="state_changed")
        spec.run(dispute, request.user, form)
    except ValidationError as exc:
        form_errors(form, exc)
        return _render_detail(request, dispute, status=400, failed=action, form=form)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, Dispute.objects.get(pk=dispute.pk), status=exc.status)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("无权执行此操作。"))
        return _render_detail(request, dispute, status=403)
    messages.success(request, spec.success)
    return redirect("disputes:detail", uuid=dispute.uuid)


@login_required
@require_POST
def agreement_sign(request, uuid, pk: int):
    dispute = selectors.get_dispute(user=request.user, uuid=uuid, action="mediate")
    agreement = Agreement.objects.filter(dispute=dispute, pk=pk).first()
    if agreement is None:
        raise Http404(_("记录不存在或无权查看。"))
    form = fw.SignForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        party = dispute.parties.filter(pk=form.cleaned_data["party"]).first() if form.cleaned_data["party"] else None
        services.sign_agreement(agreement=agreement, role=form.cleaned_data["role"], party=party, by=request.user)
        messages.success(request, _("已记录签署。"))
    except ValidationError as exc:
        messages.error(request, punctuation.join(exc.messages))
        return _render_detail(request, dispute, status=400)
    return redirect("disputes:detail", uuid=dispute.uuid)


@login_required
@require_POST
def referral_reply(request, uuid, pk: int):
    dispute = selectors.get_dispute(user=request.user, uuid=uuid, action="refer")
    referral = Referral.objects.filter(dispute=dispute, pk=pk).first()
    if referral is None:
        raise Http404(_("记录不存在或无权查看。"))
    form = fw.ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写回复内容。"))
        services.record_reply(referral=referral, reply=form.cleaned_data["reply"], by=request.user)
        messages.success(request, _("已登记回复。"))
    except ValidationError as exc:
        messages.error(request, punctuation.join(exc.messages))
        return _render_detail(request, dispute, status=400)
    return redirect("disputes:detail", uuid=dispute.uuid)


FORMATS = ("docx", "pdf")


def _file(data: bytes, name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE if fmt == "pdf" else DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


@login_required
def agreement_download(request, uuid, pk: int, fmt: str):
    # The document carries full ID numbers: only those who may see them (and work the case).
    if fmt not in FORMATS:
        raise Http404(_("没有这种格式。"))
    dispute = selectors.get_dispute(user=request.user, uuid=uuid, action="mediate")
    agreement = Agreement.objects.filter(dispute=dispute, pk=pk).select_related("committee", "mediator").first()
    if agreement is None:
        raise Http404(_("记录不存在或无权查看。"))
    try:
        data = agreement_document(agreement=agreement, by=request.user, fmt=fmt)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, dispute, status=exc.status)
    return _file(data, f"人民调解协议书-{agreement.number}", fmt)


@login_required
def referral_download(request, uuid, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404(_("没有这种格式。"))
    dispute = selectors.get_dispute(user=request.user, uuid=uuid)
    referral = Referral.objects.filter(dispute=dispute, pk=pk).select_related("recipient", "sender", "deadline").first()
    if referral is None:
        raise Http404(_("记录不存在或无权查看。"))
    try:
        data = letter_document(referral=referral, fmt=fmt)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, dispute, status=exc.status)
    return _file(data, f"转办函-{referral.letter_number}", fmt)


@login_required
def work_queue(request):
    queue = selectors.work_queue(user=request.user)
    return render(request, "disputes/work_queue.html", {"queue": queue, "states": DISPUTE.states})
