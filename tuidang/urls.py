from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tuidang.core import views as core_views
from tuidang.registry import views as registry_views

urlpatterns = [
    path("count.json", registry_views.count_json, name="count_json"),
    path("log/", include("tuidang.transparency.urls")),
]

urlpatterns += i18n_patterns(
    path("", core_views.home, name="home"),
    path("counting/", core_views.counting_rule, name="counting_rule"),
    path("verify/", core_views.verify, name="verify"),
    path("", include("tuidang.registry.urls")),
    path("helpers/", include("tuidang.helpers.urls")),
    path("moderation/", include("tuidang.moderation.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    prefix_default_language=True,
)
