"""Court pages: the work queues (clerk's screening, mediator's cases with deadlines, the judge's
supervision), the case detail with its timeline and the forms of each step, and the roster.
Thin: every read through selectors, every write through services; a refusal becomes a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pingan.core.errors import ApplicationError
from pingan.core.pages import error_text, filtered_page, is_partial, render_list
from pingan.core.workflow import allowed_transitions, history
from pingan.disputes.selectors import party_rows
from pingan.orgs.models import Agency, User
from pingan.orgs.permissions import can, has_object_permission, requires

from . import documents, selectors, services
from .forms import CaseFilterForm
from .models import CaseSeries, CourtCase, MediatorProfile, ReturnReason
from .workflow import COURT_CASE


def _rows(cases) -> list[dict[str, Any]]:
    cases = list(cases)
    deadlines = selectors.open_deadlines(cases)
    return [{"case": c, "deadlines": deadlines.get(c.pk, [])} for c in cases]


@login_required
@requires("view", CourtCase)
def queue(request):
    user = request.user
    context = {
        "clerk_rows": _rows(selectors.clerk_queue(user=user)) if can(user, "change", CourtCase) else None,
        "mediator_rows": _rows(selectors.mediator_queue(user=user)) if can(user, "mediate", CourtCase) else None,
        "judge_rows": _rows(selectors.supervision_queue(user=user)) if can(user, "rule", CourtCase) else None,
        "states": COURT_CASE.states,
    }
    return render(request, "court/queue.html", context)


@login_required
@requires("view", CourtCase)
def case_list(request):
    context = filtered_page(request, CaseFilterForm(request.GET or None), lambda f: selectors.case_list(
        user=request.user, state=f.get("state"), q=f.get("q")))
    context["states"] = COURT_CASE.states
    context["may_group"] = can(request.user, "add", CaseSeries)
    if context["may_group"] and not is_partial(request):
        context["series_to_join"] = selectors.series_to_join(user=request.user)
    return render_list(request, "court/case_list.html", context)


@login_required
def case_detail(request, uuid):
    case = selectors.get_case(user=request.user, uuid=uuid)
    user = request.user
    may_change = has_object_permission(user, case, "change")
    allowed = {a.name: a for a in allowed_transitions(case, user)}
    context: dict[str, Any] = {
        "case": case,
        "state_label": COURT_CASE.label(case.state),
        "parties": party_rows(user=user, dispute=case.dispute),
        "consents": {c.party_id: c for c in case.consents.all()},
        "deadlines": selectors.case_deadlines(case),
        "timeline": list(history(case)),
        "states": COURT_CASE.states,
        "allowed": allowed,
        "may_change": may_change,
        "may_mediate": has_object_permission(user, case, "mediate"),
        "may_comment": has_object_permission(user, case, "comment"),
        "may_rule": has_object_permission(user, case, "rule"),
        "comments": case.comments.select_related("author"),
        "confirmations": case.confirmations.all(),
        "sessions": case.sessions.all(),
        "resolution_outcomes": [(o.value, o.label) for o in services.RESOLUTION_OUTCOMES],
    }
    if case.state == CourtCase.State.CONSENT_PENDING and may_change:
        context["organisations"] = Agency.objects.filter(kind__in=services.MEDIATION_KINDS, is_active=True)
    if case.state == CourtCase.State.DELEGATED and has_object_permission(user, case, "assign"):
        context["recommendations"] = selectors.recommend_mediators(user=user, case=case, limit=10)
        choose = services.open_deadline(case, services.KIND_CHOOSE)
        context["choose_due"] = choose.due if choose else None
    return render(request, "court/case_detail.html", context)


def _date(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: _("请填写有效的日期（如 2024-03-01）。")}) from None


def _parties(case: CourtCase, ids: list[str]):
    return list(case.dispute.parties.filter(pk__in=[int(i) for i in ids if i.isdigit()]))


def _mediator(username: str) -> User:
    user = User.objects.filter(username=username, mediator_profile__active=True).first()
    if user is None:
        raise ValidationError({"mediator": _("请从名册中选择调解员。")})
    return user


ACTIONS: dict[str, Callable[[Any, CourtCase, Any], Any]] = {
    "screen": lambda r, c, p: services.screen_case(case=c, by=r.user, note=p.get("note", "")),
    "consent": lambda r, c, p: services.record_consent(
        case=c, party=c.dispute.parties.get(pk=int(p.get("party", "0") or 0)), consents=p.get("consents") == "yes",
        note=p.get("note", ""), by=r.user),
    "delegate": lambda r, c, p: services.delegate_case(
        case=c, organisation=Agency.objects.get(pk=int(p.get("organisation", "0") or 0), kind__in=services.MEDIATION_KINDS),
        by=r.user),
    "assign": lambda r, c, p: services.assign_mediator(
        case=c, mediator=_mediator(p.get("mediator", "")), chosen_by=p.get("chosen_by", "court"), by=r.user),
    "accept": lambda r, c, p: services.accept_delegation(case=c, by=r.user),
    "decline": lambda r, c, p: services.decline_delegation(case=c, reason=p.get("reason", ""), by=r.user),
    "extend": lambda r, c, p: services.extend_mediation(
        case=c, days=int(p.get("days", "0") or 0), parties=_parties(c, p.getlist("parties")),
        reason=p.get("reason", ""), by=r.user),
    "pause": lambda r, c, p: services.pause_mediation(case=c, on=_date(p.get("on"), "on"), reason=p.get("reason", ""),
                                                      by=r.user),
    "resume": lambda r, c, p: services.resume_mediation(case=c, on=_date(p.get("on"), "on"), by=r.user),
    "succeed": lambda r, c, p: services.succeed_mediation(
        case=c, agreed_terms=p.get("agreed_terms", ""),
        agreement_effective_on=_date(p.get("agreement_effective_on"), "agreement_effective_on"),
        undisputed_facts=p.get("undisputed_facts", ""), by=r.user),
    "fail": lambda r, c, p: services.fail_mediation(
        case=c, reason=p.get("reason", ""), undisputed_facts=p.get("undisputed_facts", ""),
        disputed_matters=p.get("disputed_matters", ""), agreed_terms=p.get("agreed_terms", ""), by=r.user),
    "resolve": lambda r, c, p: services.record_resolution(case=c, outcome=p.get("outcome", ""), note=p.get("note", ""),
                                                          by=r.user),
    "apply_document": lambda r, c, p: services.apply_mediation_document(
        case=c, applied_on=_date(p.get("applied_on"), "applied_on"), by=r.user),
    "issue_document": lambda r, c, p: services.issue_mediation_document(
        case=c, issued_on=_date(p.get("issued_on"), "issued_on"), by=r.user),
    "apply_confirmation": lambda r, c, p: services.apply_for_confirmation(
        case=c, applicants=_parties(c, p.getlist("applicants")), applied_on=_date(p.get("applied_on"), "applied_on"),
        by=r.user),
    "ruling": lambda r, c, p: services.rule_on_confirmation(
        case=c, confirmed=p.get("confirmed") == "yes", ruled_on=_date(p.get("ruled_on"), "ruled_on"),
        reason=p.get("reason", ""), by=r.user),
    "return": lambda r, c, p: services.return_for_filing(
        case=c, note=p.get("note", ""), by=r.user,
        reason=ReturnReason.REJECTED if c.state == CourtCase.State.REJECTED else ReturnReason.OTHER),
    "comment": lambda r, c, p: services.add_comment(case=c, text=p.get("text", ""), by=r.user),
}


@login_required
@require_POST
def case_action(request, uuid, action: str):
    case = selectors.get_case(user=request.user, uuid=uuid)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404(_("未知的操作。"))
    try:
        handler(request, case, request.POST)
    except (ApplicationError, PermissionDenied, ValidationError) as exc:
        messages.error(request, error_text(exc))
    except (Agency.DoesNotExist, ValueError):
        messages.error(request, _("提交的内容不完整，请检查后重试。"))
    else:
        messages.success(request, _("已保存。"))
    # After declining, the case is no longer the mediator's: back to the queue.
    if not selectors.case_list(user=request.user).filter(pk=case.pk).exists():
        return redirect("court:queue")
    return redirect("court:detail", uuid=case.uuid)


@login_required
def document(request, uuid, kind: str, fmt: str):
    """调解书 or 司法确认裁定书 as DOCX or PDF, rendered from the records on request."""
    case = selectors.get_case(user=request.user, uuid=uuid)
    ruled = case.confirmations.exclude(ruling="").first()
    if kind == "mediation" and hasattr(case, "mediation_document"):
        data = documents.mediation_document(case)
        name = f"mediation-document-{case.pk}"
    elif kind == "ruling" and ruled is not None:
        data = documents.ruling(ruled)
        name = f"ruling-{case.pk}"
    else:
        raise Http404(_("没有可生成的文书。"))
    if fmt not in ("docx", "pdf"):
        raise Http404(_("没有可生成的文书。"))
    if fmt == "pdf":
        body, content_type = documents.to_pdf(data), documents.PDF_CONTENT_TYPE
    else:
        body, content_type = data, documents.DOCX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@requires("view", MediatorProfile)
def roster(request):
    context = filtered_page(request, forms.Form(request.GET or None), lambda f: selectors.roster(user=request.user))
    return render(request, "court/roster.html", context)
