"""Dispute pages: thin views over selectors and services. One view serves the full page and the
htmx partial (the filtered results, the re-rendered form, the import progress)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pingan.core import punctuation
from pingan.core.pages import filtered_page, is_partial, render_list
from pingan.core.spreadsheets import XLSX_CONTENT_TYPE as XLSX
from pingan.orgs.permissions import can, requires

from . import ledger, selectors, services
from .forms import DisputeFilterForm, DisputeForm, ImportConfirmForm, ImportUploadForm, PartyFormSet
from .models import Dispute, DuplicateCandidate, Source
from .workflow import DISPUTE


@login_required
@requires("view", Dispute)
def dispute_list(request):
    context = filtered_page(request, DisputeFilterForm(request.GET or None), lambda f: selectors.dispute_list(
        user=request.user, filters=selectors.DisputeFilters(**f)))
    context.update(states=DISPUTE.states, may_add=can(request.user, "add", Dispute))
    return render_list(request, "disputes/dispute_list.html", context)


def map_service_errors(exc: ValidationError, form: DisputeForm, parties) -> None:
    for key, errs in exc.message_dict.items():
        if key.startswith("parties."):
            _p, idx, field = (key.split(".", 2) + [""])[:3]
            i = int(idx) if idx.isdigit() else 0
            target = parties.forms[i] if i < len(parties.forms) else None
            if target is not None and field in target.fields:
                target.add_error(field, errs)
                continue
        form.add_error(key if key in form.fields else None, errs)


@login_required
@requires("add", Dispute)
@require_http_methods(["GET", "POST"])
def dispute_create(request):
    form = DisputeForm(request.POST or None, user=request.user)
    parties = PartyFormSet(request.POST or None, prefix="parties")
    if request.method == "POST":
        valid = form.is_valid() and parties.is_valid()
        checking = request.POST.get("_check") == "1"
        if valid:
            party_data = [f.service_data() for i, f in enumerate(parties.forms) if i == 0 or f.has_changed()]
            try:
                if checking:
                    services.validate_dispute_input(data=form.service_data(), parties=party_data, source=Source.WEB)
                else:
                    dispute = services.create_dispute(
                        data=form.service_data(), parties=party_data, by=request.user, source=Source.WEB,
                        attachments=request.FILES.getlist("attachments"),
                    )
                    messages.success(request, _("已登记纠纷。"))
                    return redirect("disputes:detail", uuid=dispute.uuid)
            except ValidationError as exc:
                map_service_errors(exc, form, parties)
            except PermissionDenied as exc:
                form.add_error("jurisdiction", str(exc))
        if is_partial(request):
            # Inline validation: re-render just the form with its field errors.
            return render(request, "disputes/dispute_form.html#form", {"form": form, "parties": parties})
    return render(request, "disputes/dispute_form.html", {"form": form, "parties": parties})


@login_required
def dispute_detail(request, uuid):
    dispute = selectors.get_dispute(user=request.user, uuid=uuid)
    return render(request, "disputes/dispute_detail.html", detail_context(request, dispute))


def detail_context(request, dispute: Dispute) -> dict:
    from .views_work import work_context

    reveal = request.GET.get("reveal") == "1"
    return {
        "d": dispute,
        "state_label": DISPUTE.label(dispute.state),
        "parties": selectors.party_rows(user=request.user, dispute=dispute, reveal=reveal),
        "may_reveal": selectors.can_view_sensitive(user=request.user, dispute=dispute),
        "may_change": selectors.can_change(user=request.user, dispute=dispute),
        "flags": selectors.duplicate_flags(user=request.user, dispute=dispute),
        "attachments": dispute.attachments.all(),
        "work": work_context(user=request.user, dispute=dispute),
    }


@login_required
@require_POST
def duplicate_decide(request, uuid, flag_id: int):
    dispute = selectors.get_dispute(user=request.user, uuid=uuid, action="change")
    flags = {f.pk: f for f in selectors.duplicate_flags(user=request.user, dispute=dispute)}
    flag: DuplicateCandidate | None = flags.get(flag_id)
    if flag is None:
        raise Http404(_("记录不存在或无权查看。"))
    try:
        if request.POST.get("decision") == "link":
            services.link_duplicate(dispute=dispute, original=flag.candidate, by=request.user,
                                    reason=request.POST.get("reason", ""))
            messages.success(request, _("已确认为重复纠纷。"))
        else:
            services.dismiss_duplicate(flag=flag, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已标记为不是重复。"))
    except ValidationError as exc:
        messages.error(request, punctuation.join(exc.messages))
    return redirect("disputes:detail", uuid=dispute.uuid)


# --- Excel import -----------------------------------------------------------------------------


@login_required
@requires("add", Dispute)
def import_template(request):
    response = HttpResponse(ledger.template_workbook(user=request.user), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E7%BA%A0%E7%BA%B7%E5%8F%B0%E8%B4%A6%E6%A8%A1%E6%9D%BF.xlsx"
    return response


@login_required
@requires("add", Dispute)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = ledger.preview(upload=form.cleaned_data["file"], by=request.user)
        except ValidationError as exc:
            form.add_error("file", exc.message_dict.get("file", exc.messages))
        else:
            return redirect("disputes:import_detail", uuid=job.uuid)
    jobs = selectors.import_jobs(user=request.user)[:10]
    return render(request, "disputes/import_upload.html", {"form": form, "jobs": jobs})


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request, uuid):
    job = selectors.import_job_for(user=request.user, uuid=uuid)
    form = ImportConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = ledger.start(job=job, mode=form.cleaned_data["mode"])
        except ValidationError as exc:
            messages.error(request, punctuation.join(exc.messages))
        return redirect("disputes:import_detail", uuid=job.uuid)
    return render(request, "disputes/import_detail.html", {"job": job, "form": form, "errors": job.errors[:200]})


@login_required
def import_progress(request, uuid):
    job = selectors.import_job_for(user=request.user, uuid=uuid)
    return render(request, "disputes/import_detail.html#progress", {"job": job})


@login_required
def import_errors(request, uuid):
    job = selectors.import_job_for(user=request.user, uuid=uuid)
    response = HttpResponse(ledger.errors_workbook(job.errors), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A.xlsx"
    return response

