"""The filing clerk registers the parties' joint application to confirm a people's mediation
agreement (confirmation.py); the case page then carries the ruling."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.core.errors import ApplicationError
from pingan.core.pages import form_errors
from pingan.orgs.models import Agency
from pingan.orgs.permissions import requires

from .confirmation import apply_to_confirm_agreement
from .forms import offer_courts
from .models import CourtCase


class AgreementConfirmationForm(forms.Form):
    agreement = forms.CharField(label=gettext_lazy("人民调解协议书编号"), max_length=100)
    court = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("受理法院"))
    applied_on = forms.DateField(label=gettext_lazy("申请日期"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                      format="%Y-%m-%d"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer_courts(self.fields["court"], user)
        self.fields["applied_on"].initial = timezone.localdate()


@login_required
@requires("add", CourtCase)
def confirm_agreement(request):
    form = AgreementConfirmationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            jc = apply_to_confirm_agreement(agreement_number=d["agreement"], court=d["court"],
                                            applied_on=d["applied_on"] or date.today(), by=request.user)
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已受理司法确认申请，案号 %(n)s。") % {"n": jc.number})
            return redirect("court:detail", uuid=jc.court_case.uuid)
    return render(request, "court/confirm_agreement.html", {"form": form})
