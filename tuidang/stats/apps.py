from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "tuidang.stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A bad MILESTONES or MEMBERSHIP_REFERENCE stops the process at start, not later.
        from tuidang.stats import conf

        conf.milestones()
        conf.membership()
