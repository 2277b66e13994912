from django.urls import path

from tuidang.helpers import imports, paper, views

app_name = "helpers"

urlpatterns = [
    path("", views.home, name="home"),
    path("declare/", views.declare, name="declare"),
    path("import/", imports.upload, name="import"),
    path("sheet/", paper.sheet, name="sheet"),
    path("slips/", paper.slips, name="slips"),
]
