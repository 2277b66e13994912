"""Remove newsletter sign-ups left unconfirmed for NEWSLETTER_CONFIRM_DAYS (7) days.

Sign-ups prune as well, so this matters only on a quiet site; run it daily from cron.
"""

from django.core.management.base import BaseCommand

from tuidang.newsletter import sending


class Command(BaseCommand):
    help = "Delete unconfirmed newsletter sign-ups older than NEWSLETTER_CONFIRM_DAYS."

    def handle(self, *args, **options) -> None:
        removed = sending.prune_unconfirmed()
        self.stdout.write(f"removed {removed} unconfirmed sign-up(s)")
