from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "tuidang.stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A bad MILESTONES or MEMBERSHIP_REFERENCE stops the process at start, not later.
        from tuidang.stats import conf

        conf.milestones()
        conf.membership()

        # The counters and milestones are written inside the sequencer's transaction.
        from tuidang.stats import counters
        from tuidang.transparency.signals import batch_sequenced

        batch_sequenced.connect(counters.count_batch, dispatch_uid="tuidang.stats.counters")
