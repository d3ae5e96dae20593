from django.urls import path

from . import views

app_name = "policing"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/<uuid:uuid>/", views.hazard_detail, name="hazard_detail"),
    path("hazards/<uuid:uuid>/act/", views.hazard_act, name="hazard_act"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("risk-persons/", views.risk_list, name="risk_list"),
    path("risk-persons/<uuid:uuid>/", views.risk_detail, name="risk_detail"),
    path("risk-persons/<uuid:uuid>/review/", views.risk_review, name="risk_review"),
    path("statistics/", views.statistics, name="statistics"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
    path("import/<str:kind>/template.xlsx", views.import_template, name="import_template"),
]
