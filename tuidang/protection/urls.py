"""The surge switch, under /<lang>/moderation/surge/ (the challenge is in tuidang/urls.py)."""

from django.urls import path

from tuidang.protection import views

app_name = "protection"

urlpatterns = [
    path("", views.surge, name="surge"),
]
