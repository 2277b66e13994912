from django.apps import AppConfig


class MailIntakeConfig(AppConfig):
    name = "tuidang.mailintake"
    label = "mailintake"
    default_auto_field = "django.db.models.BigAutoField"
