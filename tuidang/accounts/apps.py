from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tuidang.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tuidang.accounts import dates_only  # noqa: F401  (connects its signals)
