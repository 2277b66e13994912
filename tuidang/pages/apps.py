from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "tuidang.pages"
    default_auto_field = "django.db.models.BigAutoField"
