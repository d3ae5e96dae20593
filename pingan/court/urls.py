from django.urls import path

from . import views, views_confirmation, views_import, views_intake, views_series

app_name = "court"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views_intake.receive, name="receive"),
    path("series/", views_series.series_list, name="series_list"),
    path("series/group/", views_series.series_group, name="series_group"),
    path("series/<uuid:uuid>/", views_series.series_detail, name="series"),
    path("series/<uuid:uuid>/do/<slug:action>/", views_series.series_action, name="series_action"),
    path("roster/", views.roster, name="roster"),
    path("import/", views_import.import_page, name="import"),
    path("confirmations/new/", views_confirmation.confirm_agreement, name="confirm_agreement"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("cases/<uuid:uuid>/", views.case_detail, name="detail"),
    path("cases/<uuid:uuid>/do/<slug:action>/", views.case_action, name="action"),
    path("cases/<uuid:uuid>/documents/<slug:kind>.<slug:fmt>", views.document, name="document"),
]
