"""The filing clerk's intake page (收案登记): a civil case received by the filing division or a
tribunal, entered in an htmx form that re-checks itself on every change. It calls the same
services.receive_case as POST /api/v1/court/cases (validated, permission-checked, audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pingan.disputes import services as dispute_services
from pingan.disputes.forms import DisputeForm, PartyFormSet
from pingan.disputes.models import Source
from pingan.disputes.views import map_service_errors
from pingan.orgs.models import Agency
from pingan.orgs.permissions import requires

from . import services
from .models import CourtCase


class CaseIntakeForm(DisputeForm):
    """The dispute's fields (title, category, place, date, amount, facts) plus what the court adds."""

    court = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("受理法院"))
    filing_division = forms.CharField(label=gettext_lazy("收案部门"), max_length=100, required=False)
    claim = forms.CharField(label=gettext_lazy("诉讼请求"), widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["court", "filing_division", "title", "category", "jurisdiction", "received_on", "amount",
                   "claim", "facts"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["latitude"], self.fields["longitude"]  # a court case is placed by its jurisdiction only
        self.fields["received_on"].label = gettext_lazy("收案日期")
        self.fields["amount"].label = gettext_lazy("标的额（元）")
        # The clerk's own court and the tribunals below it; the permission rows decide again in
        # the service (a clerk of another court is refused there too).
        own = getattr(getattr(user, "agency", None), "path", None)
        qs = Agency.objects.filter(kind__in=services.COURT_KINDS, is_active=True).order_by("path")
        self.fields["court"].queryset = qs.filter(path__startswith=own) if own and not user.is_superuser else qs
        if getattr(user, "agency", None) in self.fields["court"].queryset:
            self.fields["court"].initial = user.agency

    def case_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            "court": c["court"], "claim": c["claim"], "received_on": c["received_on"], "amount": c.get("amount") or 0,
            "filing_division": c.get("filing_division") or "",
            "dispute_data": {"title": c["title"], "facts": c["facts"], "category": c["category"],
                             "jurisdiction": c["jurisdiction"]},
        }


def _check(form: CaseIntakeForm, parties: list[dict]) -> None:
    """The disputes checks receive_case will make (ID numbers, parties), without writing."""
    k = form.case_kwargs()
    dispute_services.validate_dispute_input(
        data={**k["dispute_data"], "amount": k["amount"], "handling_agency": k["court"]},
        parties=parties, source=Source.COURT,
    )


@login_required
@requires("add", CourtCase)
@require_http_methods(["GET", "POST"])
def receive(request):
    form = CaseIntakeForm(request.POST or None, user=request.user)
    parties = PartyFormSet(request.POST or None, prefix="parties")
    if request.method == "POST":
        if form.is_valid() and parties.is_valid():
            party_data = [f.service_data() for i, f in enumerate(parties.forms) if i == 0 or f.has_changed()]
            try:
                if request.POST.get("_check") == "1":
                    _check(form, party_data)
                else:
                    case = services.receive_case(**form.case_kwargs(), parties=party_data, by=request.user)
                    messages.success(request, _("已收案：%(title)s。") % {"title": case.dispute.title})
                    return redirect("court:detail", uuid=case.uuid)
            except ValidationError as exc:
                map_service_errors(exc, form, parties)
            except PermissionDenied as exc:
                form.add_error("court", str(exc) or _("无权在该法院收案。"))
        if getattr(request, "htmx", False) and not request.htmx.boosted:
            return render(request, "court/receive.html#form", {"form": form, "parties": parties})
    return render(request, "court/receive.html", {"form": form, "parties": parties})
