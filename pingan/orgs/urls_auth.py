from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
]
