from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("section/<str:domain>/", views.section, name="section"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("m/<str:key>/", views.metric_detail, name="metric"),
]
