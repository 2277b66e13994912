from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "tuidang.transparency"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A bad LOG_WITNESS_POLICY stops the process at start, not at the first checkpoint.
        from tuidang.transparency import witnesses

        witnesses.policy()
