from django.apps import AppConfig


class HelpersConfig(AppConfig):
    name = "tuidang.helpers"
    default_auto_field = "django.db.models.BigAutoField"
