"""Queue the sending of every newsletter that is still sending (after a restart).

The worker normally resumes by itself (each batch queues the next before it starts);
this is for a worker whose queue was lost. Only pending deliveries are sent.
"""

from django.core.management.base import BaseCommand

from tuidang.newsletter import tasks
from tuidang.newsletter.models import Newsletter


class Command(BaseCommand):
    help = "Resume sending newsletters that are not finished."

    def handle(self, *args, **options) -> None:
        for pk in Newsletter.objects.filter(state=Newsletter.SENDING).values_list("pk", flat=True):
            tasks.send_newsletter.enqueue(pk)
            self.stdout.write(f"resumed newsletter {pk}")
