from django.urls import path

from . import views

app_name = "corrections"
urlpatterns = [
    path("", views.command_centre, name="command"),
    path("map.json", views.map_data, name="map_data"),
    path("alerts/", views.alert_queue, name="alerts"),
    path("alerts/<int:pk>/verify/", views.alert_verify, name="alert_verify"),
    path("people/<int:pk>/", views.person, name="person"),
    path("approvals/", views.approvals, name="approvals"),
    path("sanctions/<int:pk>/<slug:action>/", views.sanction_act, name="sanction_act"),
    path("sanctions/<int:pk>.<str:fmt>", views.sanction_document, name="sanction_document"),
    path("leaves/<int:pk>/<slug:action>/", views.leave_act, name="leave_act"),
]
