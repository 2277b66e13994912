"""Delete ended staff sessions (a timer runs it: runservice, deploy/systemd)."""

from django.core.management.base import BaseCommand

from tuidang.accounts import actions


class Command(BaseCommand):
    help = ("Delete staff sessions that have ended, and the times django-otp kept of "
            "failed codes. runservice runs it every hour; in production, "
            "tuidang-prune.timer.")

    def handle(self, *args, **options) -> None:
        removed = actions.prune_sessions()
        if options["verbosity"] > 0:
            self.stdout.write(f"removed {removed} ended session(s)")
