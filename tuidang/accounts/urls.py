from django.urls import path

from tuidang.accounts import views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/code/", views.otp_verify, name="otp_verify"),
    path("login/enrol/", views.otp_enrol, name="otp_enrol"),
    path("logout/", views.logout, name="logout"),
]
