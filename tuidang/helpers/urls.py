from django.urls import path

from tuidang.helpers import views

app_name = "helpers"

urlpatterns = [
    path("", views.home, name="home"),
    path("declare/", views.declare, name="declare"),
]
