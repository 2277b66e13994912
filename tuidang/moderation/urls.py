from django.urls import path

from tuidang.moderation import casework, helper_figures, views

app_name = "moderation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("held/", views.held_queue, name="held"),
    path("statements/", views.statement_queue, name="statements"),
    path("declarations/<int:serial>/", views.declaration, name="declaration"),
    path("declarations/<int:serial>/decide/", views.decide, name="decide"),
    path("declarations/<int:serial>/feature/", views.feature, name="feature"),
    path("audit/", views.audit_trail, name="audit"),
    path("contests/", casework.contest_queue, name="contests"),
    path("contests/<int:contest_id>/", casework.contest_detail, name="contest"),
    path("contests/<int:contest_id>/decide/", casework.contest_decide, name="contest_decide"),
    path("bulk-revoke/", casework.bulk_revoke, name="bulk_revoke"),
    path("helpers/", helper_figures.helper_figures, name="helpers"),
]
