"""Response headers that keep a browser from leaking or loading anything it should not.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy, and XFrameOptionsMiddleware sends X-Frame-Options; this
middleware adds what Django 5.2 lacks:

- Content-Security-Policy, built from the CONTENT_SECURITY_POLICY setting (a dict of
  directive → list of sources), so that a feature can widen one directive in settings;
  a view can replace directives for its own responses with @csp_override.
- Permissions-Policy, denying every powerful feature the site never uses.
- Strict-Transport-Security whenever HTTPS is on (Django sends it only for requests it
  sees as secure, which behind a TLS-terminating proxy it may not; browsers ignore the
  header on plain HTTP, e.g. over the onion service).
- Onion-Location on HTML pages when ONION_LOCATION is set, pointing to the same path on
  the onion service (Tor Browser then offers it).

And the page shown when a form fails Django's CSRF check (CSRF_FAILURE_VIEW).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from functools import wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ONION_BASE = re.compile(r"^https?://[a-z2-7]{56}\.onion(:[0-9]{1,5})?$")

PERMISSIONS_DENIED = (
    "accelerometer",
    "ambient-light-sensor",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "interest-cohort",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)


def build_csp(directives: Mapping[str, Sequence[str] | str]) -> str:
    """'default-src 'self'; …' from {'default-src': ["'self'"], …}; [] gives a bare name."""
    parts = []
    for name, sources in directives.items():
        if not re.fullmatch(r"[a-z-]+", name):
            raise ImproperlyConfigured(f"CONTENT_SECURITY_POLICY: bad directive {name!r}")
        values = [sources] if isinstance(sources, str) else list(sources)
        for value in values:
            if not value or any(c in value for c in ";,\r\n"):
                raise ImproperlyConfigured(
                    f"CONTENT_SECURITY_POLICY: bad source {value!r} in {name}"
                )
        parts.append(" ".join([name, *values]))
    return "; ".join(parts)


def permissions_policy(features: Sequence[str] = PERMISSIONS_DENIED) -> str:
    return ", ".join(f"{feature}=()" for feature in features)


def onion_base(value: str) -> str:
    """ONION_LOCATION validated: an http(s)://<56 base32 chars>.onion base URL, no path."""
    base = value.strip().rstrip("/")
    if not ONION_BASE.match(base):
        raise ImproperlyConfigured(
            "ONION_LOCATION must be an onion service's base URL such as "
            f"http://<56 letters and digits>.onion, got {value!r}"
        )
    return base


def csp_override(**directives: Sequence[str] | str) -> Callable:
    """Replace some CSP directives for one view's responses: @csp_override(img_src=[...])."""
    changes = {name.replace("_", "-"): sources for name, sources in directives.items()}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.csp_directives = {**getattr(response, "csp_directives", {}), **changes}
            return response

        return wrapped

    return decorator


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.csp = build_csp(settings.CONTENT_SECURITY_POLICY)
        self.permissions = permissions_policy()
        self.onion = onion_base(settings.ONION_LOCATION) if settings.ONION_LOCATION else ""
        self.hsts = ""
        if settings.HTTPS and settings.SECURE_HSTS_SECONDS:
            self.hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                self.hsts += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                self.hsts += "; preload"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        changes = getattr(response, "csp_directives", None)
        csp = build_csp({**settings.CONTENT_SECURITY_POLICY, **changes}) if changes else self.csp
        response.setdefault("Content-Security-Policy", csp)
        response.setdefault("Permissions-Policy", self.permissions)
        if self.hsts:
            response.setdefault("Strict-Transport-Security", self.hsts)
        if self.onion and self._is_html(response) and not self._via_onion(request):
            response.setdefault("Onion-Location", self.onion + request.get_full_path())
        return response

    @staticmethod
    def _is_html(response: HttpResponse) -> bool:
        return response.get("Content-Type", "").startswith("text/html")

    @staticmethod
    def _via_onion(request: HttpRequest) -> bool:
        host = request.META.get("HTTP_HOST", "").split(":")[0].lower()
        return host.endswith(".onion")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
