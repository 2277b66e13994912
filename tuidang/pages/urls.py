from django.urls import path

from tuidang.pages import editor, views

app_name = "pages"

urlpatterns = [
    path("safe-access/", views.safe_access, name="safe_access"),
    path("questions/", views.questions, name="questions"),
    path("other-ways/", views.other_ways, name="other_ways"),
    path("editor/help/", editor.entry_list, name="editor"),
    path("editor/help/new/", editor.entry_edit, name="editor_new"),
    path("editor/help/<int:pk>/", editor.entry_edit, name="editor_entry"),
]
