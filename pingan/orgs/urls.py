from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("jurisdictions/", views.jurisdiction_list, name="jurisdiction_list"),
    path("jurisdictions/<int:pk>/", views.jurisdiction_detail, name="jurisdiction_detail"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
]
