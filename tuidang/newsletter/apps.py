from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "tuidang.newsletter"
    default_auto_field = "django.db.models.BigAutoField"
