from django.urls import path, re_path

from tuidang.transparency import views

app_name = "log"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("key", views.verifier_key, name="key"),
    path("policy", views.policy, name="policy"),
    re_path(r"^tile/(?P<tile_path>.+)$", views.tile, name="tile"),
]
