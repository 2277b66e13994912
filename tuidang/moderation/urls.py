from django.urls import path

from tuidang.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("held/", views.held_queue, name="held"),
    path("statements/", views.statement_queue, name="statements"),
    path("declarations/<int:serial>/", views.declaration, name="declaration"),
    path("declarations/<int:serial>/decide/", views.decide, name="decide"),
    path("audit/", views.audit_trail, name="audit"),
]
