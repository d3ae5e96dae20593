from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import notices, selectors, twofactor
from .models import Agency, Jurisdiction
from .navigation import panels_for
from .permissions import get_for


@login_required
def home(request):
    """The work desk: the panel template named by the user's first role's `home` key, plus the
    panels registered by apps that the user may see."""
    roles = list(request.user.roles.all())
    keys = [r.home for r in roles if r.home]
    main = select_template([f"orgs/home/{k}.html" for k in keys] + ["orgs/home/default.html"])
    context = {
        "roles": roles,
        "home_template": main.template.name,
        "panels": panels_for(request.user),
        "agency_count": selectors.agency_list(user=request.user).count(),
        "jurisdiction_count": selectors.jurisdiction_list(user=request.user).count(),
        "notices": [(n, notices.text_of(n)) for n in notices.unread_for(request.user)],
    }
    return render(request, "orgs/home.html", context)


@login_required
@require_POST
def notice_read(request, pk: int):
    """Anyone of the notice's agency marks it read; another agency's notice is not found."""
    if not notices.mark_read(user=request.user, pk=pk):
        raise Http404(_("记录不存在或无权查看。"))
    return redirect("home")


@login_required
def agency_list(request):
    kind = request.GET.get("kind") or None
    if kind not in Agency.Kind.values:
        kind = None
    qs = selectors.agency_list(user=request.user, kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/agency_list.html", {"page": page, "kinds": Agency.Kind.choices, "kind": kind,
                                                     "query": urlencode({"kind": kind}) if kind else ""})


@login_required
def agency_detail(request, pk: int):
    agency = get_for(Agency.objects.select_related("jurisdiction", "parent"), user=request.user, pk=pk)
    children = selectors.agency_list(user=request.user).filter(parent=agency)
    return render(request, "orgs/agency_detail.html", {"agency": agency, "children": children})


@login_required
def jurisdiction_list(request):
    qs = selectors.jurisdiction_list(user=request.user)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "orgs/jurisdiction_list.html", {"page": page})


@login_required
def jurisdiction_detail(request, pk: int):
    jurisdiction = get_for(Jurisdiction.objects.select_related("parent"), user=request.user, pk=pk)
    children = selectors.jurisdiction_list(user=request.user).filter(parent=jurisdiction)
    agencies = selectors.agency_list(user=request.user).filter(jurisdiction=jurisdiction)
    return render(
        request,
        "orgs/jurisdiction_detail.html",
        {"jurisdiction": jurisdiction, "children": children, "agencies": agencies},
    )


# --- two-factor login -------------------------------------------------------------------------


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect("otp_enrol")
    error = ""
    if request.method == "POST":
        if twofactor.verify(request, device=device, token=request.POST.get("token", "")):
            return redirect(_next_url(request))
        error = _("验证码不正确或已过期。")
    return render(request, "registration/otp_verify.html", {"error": error, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request):
    if twofactor.confirmed_device(request.user) is not None:
        return redirect("otp_verify")
    device = twofactor.pending_device(request.user)
    error = ""
    if request.method == "POST":
        if twofactor.confirm_enrolment(request, device=device, token=request.POST.get("token", "")):
            return redirect(_next_url(request))
        error = _("验证码不正确或已过期。")
    uri = device.config_url
    context = {
        "error": error,
        "next": _next_url(request),
        "otpauth_uri": uri,
        "qr_svg": twofactor.qr_svg(uri),
        "secret": twofactor.base32_secret(device),
    }
    return render(request, "registration/otp_enrol.html", context)
