from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from tuidang.api.api import api
from tuidang.news import urls as news_urls
from tuidang.protection import views as protection_views
from tuidang.stats import urls as stats_urls
from tuidang.transparency import health

urlpatterns = [
    path("log/", include("tuidang.transparency.urls")),
    path("health", health.health, name="health"),  # operators only (HEALTH_TOKEN)
    path("api/v1/", api.urls),
    path("altcha/challenge", protection_views.altcha_challenge, name="altcha_challenge"),
    path("", include(stats_urls.open_data)),
    path("", include(news_urls.root)),
]

urlpatterns += i18n_patterns(
    path("", include("tuidang.public.urls")),
    path("helpers/tokens/", include("tuidang.api.urls")),
    path("helpers/", include("tuidang.helpers.urls")),
    path("moderation/surge/", include("tuidang.protection.urls")),
    path("moderation/", include("tuidang.moderation.urls")),
    path("accounts/", include("tuidang.accounts.urls")),
    path("", include(stats_urls.pages)),
    path("", include((news_urls.pages, "news"))),
    path("", include("tuidang.newsletter.urls")),
    path("", include("tuidang.pages.urls")),
    prefix_default_language=True,
)
