"""Staff log-in: the password, then a TOTP code; enrolment of the authenticator app.

Every account (helpers and moderators) needs both steps: the password step logs in
(rotating the session key), and only the second step marks the session as verified,
which the helpers' and moderators' access checks require (tuidang/accounts/access.py).
An account without a confirmed device is sent to enrolment, which shows the secret as
text and as a QR code drawn on the server (inline SVG, no script, nothing from elsewhere).
"""

import base64

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang.accounts import throttle
from tuidang.accounts.access import is_moderator
from tuidang.accounts.forms import CodeForm, PasswordForm

NEXT = "next"


def _next(request: HttpRequest) -> str:
    """The page asked for before logging in, if it is one of ours; "" otherwise."""
    value = request.POST.get(NEXT) or request.GET.get(NEXT) or ""
    if url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _destination(request: HttpRequest) -> str:
    if target := _next(request):
        return target
    if is_moderator(request.user):
        return reverse("moderation:dashboard")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _step(name: str, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse(name)
    if target := _next(request):
        url += "?" + urlencode({NEXT: target})
    return redirect(url)


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def _verified(request: HttpRequest, device: TOTPDevice) -> HttpResponseRedirect:
    django_otp.login(request, device)
    request.session.cycle_key()  # a new session key for the raised privilege
    throttle.record_success(request.user.get_username())
    return redirect(_destination(request))


@sensitive_post_parameters()
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_destination(request))
    form = PasswordForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())  # rotates the session key
        if _confirmed_device(request.user) is None:
            return _step("otp_enrol", request)
        return _step("otp_verify", request)
    status = 200
    if form.is_bound:
        throttled = any(e.code == "throttled" for e in form.non_field_errors().as_data())
        status = 429 if throttled else 400
    context = {"form": form, NEXT: _next(request)}
    return render(request, "accounts/login.html", context, status=status)


def _code_status(form: CodeForm) -> int:
    return 429 if form.throttled else 400


@sensitive_post_parameters()
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_destination(request))
    device = _confirmed_device(request.user)
    if device is None:
        return _step("otp_enrol", request)
    data = request.POST if request.method == "POST" else None
    form = CodeForm(data, user=request.user, device=device)
    if form.is_bound and form.is_valid():
        return _verified(request, form.verified_device)
    context = {"form": form, NEXT: _next(request)}
    status = _code_status(form) if form.is_bound else 200
    return render(request, "accounts/otp_verify.html", context, status=status)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters()
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_destination(request))
    if _confirmed_device(request.user) is not None:
        return _step("otp_verify", request)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="app", confirmed=False)
    data = request.POST if request.method == "POST" else None
    form = CodeForm(data, user=request.user, device=device)
    if form.is_bound and form.is_valid():
        device = form.verified_device
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _verified(request, device)
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m", micro=False)
    context = {
        "form": form,
        NEXT: _next(request),
        "secret": _grouped(secret),
        "qr_svg": qr.svg_inline(
            scale=5, border=4, dark="#000", light="#fff", title=gettext("QR code of the key")
        ),
        "digits": device.digits,
        "step": device.step,
    }
    status = _code_status(form) if form.is_bound else 200
    return render(request, "accounts/otp_enrol.html", context, status=status)


@require_POST
@csrf_protect
def logout(request: HttpRequest) -> HttpResponseRedirect:
    auth_logout(request)  # flushes the session; the response deletes its cookie
    return redirect("home")
