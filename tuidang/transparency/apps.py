from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "tuidang.transparency"
    default_auto_field = "django.db.models.BigAutoField"
