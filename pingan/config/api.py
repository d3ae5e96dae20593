"""The versioned JSON API: /api/v1/. Each app contributes a ninja Router from its api.py."""

from __future__ import annotations

from pingan.core import ninja_compat  # noqa: F401  (before any router is built)
from pingan.core.api_errors import PinganAPI, install_error_handlers
from pingan.orgs.api_auth import session_or_token

api = PinganAPI(
    title="pingan API",
    version="1",
    description="平安政法协同平台 API. Session auth for pages, bearer tokens with scopes for systems and devices.",
    urls_namespace="api-v1",
    auth=session_or_token,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

from pingan.core.api import router as core_router  # noqa: E402
from pingan.orgs.api import router as orgs_router  # noqa: E402

api.add_router("/core/", core_router)
api.add_router("/orgs/", orgs_router)
from pingan.disputes.api import router as disputes_router  # noqa: E402

api.add_router("/disputes/", disputes_router)
from pingan.court.api import router as court_router  # noqa: E402

api.add_router("/court/", court_router)
from pingan.corrections.api import router as corrections_router  # noqa: E402

api.add_router("/corrections/", corrections_router)
from pingan.policing.api import router as policing_router  # noqa: E402

api.add_router("/policing/", policing_router)
from pingan.procuratorate.api import router as procuratorate_router  # noqa: E402

api.add_router("/procuratorate/", procuratorate_router)
from pingan.statistics.api import router as statistics_router  # noqa: E402

api.add_router("/statistics/", statistics_router)
