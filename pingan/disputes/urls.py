from django.urls import path

from . import views, views_work

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_create, name="create"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<uuid:uuid>/", views.import_detail, name="import_detail"),
    path("import/<uuid:uuid>/errors.xlsx", views.import_errors, name="import_errors"),
    path("import/<uuid:uuid>/progress/", views.import_progress, name="import_progress"),
    path("<uuid:uuid>/", views.dispute_detail, name="detail"),
    path("<uuid:uuid>/duplicates/<int:flag_id>/", views.duplicate_decide, name="duplicate_decide"),
    path("work/", views_work.work_queue, name="work"),
    path("<uuid:uuid>/act/<slug:action>/", views_work.dispute_act, name="act"),
    path("<uuid:uuid>/agreements/<int:pk>/sign/", views_work.agreement_sign, name="agreement_sign"),
    path("<uuid:uuid>/agreements/<int:pk>.<str:fmt>", views_work.agreement_download, name="agreement_download"),
    path("<uuid:uuid>/referrals/<int:pk>/reply/", views_work.referral_reply, name="referral_reply"),
    path("<uuid:uuid>/referrals/<int:pk>.<str:fmt>", views_work.referral_download, name="referral_download"),
]
