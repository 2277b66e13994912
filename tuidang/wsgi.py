import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from tuidang.core.microcache import MicroCache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
django_application = get_wsgi_application()

# The express lanes need the apps loaded.
from tuidang.api.express import ExpressApi  # noqa: E402
from tuidang.declaring.express import ExpressIntake  # noqa: E402

application = MicroCache(
    ExpressApi(ExpressIntake(django_application, enabled=settings.EXPRESS_INTAKE),
               enabled=settings.EXPRESS_INTAKE),
    ttl=settings.MICROCACHE_SECONDS,
    max_entries=settings.MICROCACHE_ENTRIES,
    max_bytes=settings.MICROCACHE_MEGABYTES * 1024 * 1024,
)
