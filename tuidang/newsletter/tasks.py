"""Background tasks (django-tasks; `manage.py db_worker` runs them, `make run` starts it).

Task arguments are stored in the database in clear: they never hold an address, and the
confirmation task takes no argument at all, so no task row names a subscriber.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from tuidang.newsletter import sending


@task()
def send_confirmations() -> int:
    return sending.send_confirmations()


@task()
def send_newsletter(newsletter_id: int) -> int:
    """Send one batch; before it, queue the next one for when this batch should be done
    at the configured rate. If the worker dies mid-batch, that queued task resumes after
    the restart (only pending rows are taken, so nobody gets a mail twice)."""
    if not send_newsletter.get_backend().supports_defer:
        sending.run_all(newsletter_id)  # e.g. the immediate backend: everything now
        return 0
    if sending.pending(newsletter_id):
        seconds = settings.NEWSLETTER_BATCH * 60 / settings.NEWSLETTER_RATE_PER_MINUTE + 5
        later = timezone.now() + datetime.timedelta(seconds=seconds)
        send_newsletter.using(run_after=later).enqueue(newsletter_id)
    return sending.run_batch(newsletter_id)
