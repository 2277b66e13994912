import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from tuidang.core.microcache import MicroCache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
application = MicroCache(
    get_wsgi_application(),
    ttl=settings.MICROCACHE_SECONDS,
    max_entries=settings.MICROCACHE_ENTRIES,
    max_bytes=settings.MICROCACHE_MEGABYTES * 1024 * 1024,
)
