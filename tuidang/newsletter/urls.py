from django.urls import path

from tuidang.newsletter import editor, views

app_name = "newsletter"

urlpatterns = [
    path("newsletter/", views.signup, name="signup"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("terms/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("editor/newsletters/", editor.newsletters, name="editor_list"),
    path("editor/newsletters/new/", editor.compose, name="editor_new"),
    path("editor/newsletters/<int:pk>/", editor.detail, name="editor_newsletter"),
    path("editor/newsletters/<int:pk>/edit/", editor.compose, name="editor_edit"),
    path("editor/newsletters/<int:pk>/preview/", editor.preview, name="editor_preview"),
    path("editor/newsletters/<int:pk>/test/", editor.send_test, name="editor_test"),
    path("editor/newsletters/<int:pk>/send/", editor.send, name="editor_send"),
    path("editor/pages/<str:kind>/", editor.legal_page, name="editor_legal"),
]
