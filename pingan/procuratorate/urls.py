from django.urls import path

from . import views

app_name = "procuratorate"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case_detail"),
    path("suspects/<uuid:uuid>/action/", views.suspect_action, name="suspect_action"),
    path("suspects/<uuid:uuid>/plan/", views.plan_create, name="plan_create"),
    path("suspects/<uuid:uuid>/hearing/", views.hearing_create, name="hearing_create"),
    path("hearings/<uuid:uuid>/opinion/", views.hearing_opinion, name="hearing_opinion"),
    path("volunteer/", views.plan_list, name="plan_list"),
    path("volunteer/<uuid:uuid>/", views.plan_detail, name="plan_detail"),
    path("volunteer/<uuid:uuid>/hours/<int:pk>/confirm/", views.hours_confirm, name="hours_confirm"),
    path("volunteer/<uuid:uuid>/evaluate/", views.plan_evaluate, name="plan_evaluate"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/new/", views.recommendation_create, name="recommendation_create"),
    path("recommendations/<uuid:uuid>/", views.recommendation_detail, name="recommendation_detail"),
    path("recommendations/<uuid:uuid>/document.<str:fmt>", views.recommendation_document,
         name="recommendation_document"),
    path("recommendations/<uuid:uuid>/<str:action>/", views.recommendation_action, name="recommendation_action"),
    path("early/", views.early_list, name="early_list"),
    path("statistics/", views.statistics, name="statistics"),
    path("import/", views.ledger_import, name="import"),
    path("import/<str:kind>.xlsx", views.ledger_template, name="import_template"),
]
