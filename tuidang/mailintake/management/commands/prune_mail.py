"""Delete mail drafts nobody handled within MAIL_DRAFT_DAYS days (a timer runs it:
runservice every hour, tuidang-prune.timer in production)."""

from django.core.management.base import BaseCommand

from tuidang.mailintake import actions


class Command(BaseCommand):
    help = "Delete mail drafts older than MAIL_DRAFT_DAYS days, unread."

    def handle(self, *args, **options) -> None:
        removed = actions.prune()
        if options["verbosity"] > 1:
            self.stdout.write(f"removed {removed} mail draft(s)")
