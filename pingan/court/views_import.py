"""The ledger import page (诉前调解台账导入): download the template, upload, preview (a dry run
listing what would be created, updated or skipped and every row error), import, download the
error report. Stateless: each step posts the file again, and the import re-checks everything."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.core import spreadsheets as xl
from pingan.orgs.models import Agency
from pingan.orgs.permissions import requires

from . import ledger
from .forms import offer_courts
from .models import CourtCase


class LedgerUploadForm(forms.Form):
    court = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("受理法院"))
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer_courts(self.fields["court"], user)


@login_required
@requires("add", CourtCase)
def import_template(request):
    response = HttpResponse(ledger.template_bytes(), content_type=xl.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="court-ledger-template.xlsx"'
    return response


@login_required
@requires("add", CourtCase)
def import_page(request):
    form = LedgerUploadForm(request.POST or None, request.FILES or None, user=request.user)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "preview")
        upload = form.cleaned_data["file"]
        try:
            outcome = ledger.import_ledger(court=form.cleaned_data["court"], content=upload.read(),
                                           filename=upload.name, by=request.user, dry_run=action != "import")
        except ValidationError as exc:
            form.add_error("file", exc.message_dict.get("file", exc.messages))
        except PermissionDenied as exc:
            form.add_error("court", str(exc) or _("无权在该法院收案。"))
        else:
            if action == "errors":
                response = HttpResponse(xl.errors_workbook(outcome.errors), content_type=xl.XLSX_CONTENT_TYPE)
                response["Content-Disposition"] = 'attachment; filename="court-ledger-errors.xlsx"'
                return response
            context["outcome"] = outcome
            context["imported"] = action == "import" and not outcome.errors
            if context["imported"] and outcome.result:
                r = outcome.result
                messages.success(request, _("导入完成：新增 %(c)s 件，更新 %(u)s 件，无变化跳过 %(s)s 件。")
                                 % {"c": r.created, "u": r.updated, "s": r.skipped})
    return render(request, "court/import.html", context)
