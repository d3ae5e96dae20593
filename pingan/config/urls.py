from django.contrib import admin
from django.urls import include, path

from pingan.core import views as core_views
from pingan.orgs import views as orgs_views

from .api import api

urlpatterns = [
    path("", orgs_views.home, name="home"),
    path("accounts/", include("pingan.orgs.urls_auth")),
    path("orgs/", include("pingan.orgs.urls")),
    path("disputes/", include("pingan.disputes.urls")),
    path("corrections/checkins/", include("pingan.corrections.checkins_urls")),
    path("corrections/", include("pingan.corrections.urls")),
    path("procuratorate/", include("pingan.procuratorate.urls")),
    path("court/", include("pingan.court.urls")),
    path("policing/", include("pingan.policing.urls")),
    path("statistics/", include("pingan.statistics.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
