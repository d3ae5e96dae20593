from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("agencies/", views.agency_list, name="agency_list"),
    path("jurisdictions/", views.jurisdiction_list, name="jurisdiction_list"),
]
