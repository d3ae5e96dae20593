from django.urls import path

from . import supervision_views, views

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
    path("people/<int:pk>/out-of-contact/", supervision_views.mark_out_of_contact, name="out_of_contact"),
    path("searches/", supervision_views.search_list, name="searches"),
    path("searches/<int:pk>/", supervision_views.search_detail, name="search"),
    path("people/<int:pk>/monitoring/", supervision_views.monitoring_page, name="monitoring"),
    path("monitoring/<int:pk>/<slug:action>/", supervision_views.monitoring_act, name="monitoring_act"),
    path("evaluation/", supervision_views.evaluation_page, name="evaluation"),
    path("evaluation.xlsx", supervision_views.evaluation_xlsx, name="evaluation_xlsx"),
]
