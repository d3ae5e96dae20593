from django.urls import path

from . import checkins_views as views

app_name = "corrections_checkins"

urlpatterns = [
    path("", views.board, name="board"),
    path("supervisees/<int:pk>/face/", views.enrol, name="enrol"),
    path("roll-calls/new/", views.roll_call_start, name="roll_call_start"),
    path("roll-calls/<int:pk>/", views.roll_call_detail, name="roll_call"),
    path("roll-calls/<int:pk>/targets/<int:target>/result/", views.roll_call_result, name="roll_call_result"),
]
