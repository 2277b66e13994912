from django.urls import path

from tuidang.helpers import imports, views

app_name = "helpers"

urlpatterns = [
    path("", views.home, name="home"),
    path("declare/", views.declare, name="declare"),
    path("import/", imports.upload, name="import"),
]
