from django.urls import path

from tuidang.helpers import imports, mail, paper, views

app_name = "helpers"

urlpatterns = [
    path("", views.home, name="home"),
    path("declare/", views.declare, name="declare"),
    path("import/", imports.upload, name="import"),
    path("mail/", mail.inbox, name="mail_inbox"),
    path("mail/<int:draft_id>/", mail.draft, name="mail_draft"),
    path("mail/<int:draft_id>/discard/", mail.discard, name="mail_discard"),
    path("sheet/", paper.sheet, name="sheet"),
    path("slips/", paper.slips, name="slips"),
]
