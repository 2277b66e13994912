"""Sign-up with double opt-in, confirmation, one-click unsubscribe, terms and privacy."""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from tuidang.news import markup
from tuidang.newsletter import addresses, legal, mail, sending, tasks
from tuidang.newsletter.forms import SignupForm
from tuidang.newsletter.models import LegalPage, Subscriber
from tuidang.protection import gate
from tuidang.registry import dates


def _subscribe(address: str, language: str) -> None:
    """Record a sign-up, or remind a pending one; the caller's answer is the same."""
    digest = addresses.address_hash(address)
    today = dates.today()
    try:
        with transaction.atomic():
            Subscriber.objects.create(
                address_hash=digest,
                address_box=addresses.encrypt(address),
                language=language,
                terms_version=legal.current_version(LegalPage.TERMS),
                consent_on=today,
            )
    except IntegrityError:
        # Known address: a pending one gets at most one reminder a day; a confirmed one
        # gets nothing. Nothing changes on the page either way.
        Subscriber.objects.filter(
            address_hash=digest, state=Subscriber.PENDING
        ).exclude(confirmation_sent_on=today).update(confirmation_due=True)


@never_cache  # a page with a form: never kept in the browser's cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        # The gate declarations pass: each sign-up may send a mail to any address.
        verdict = gate.check_form(request, gate.SIGNUPS)
        if verdict.refuse:
            return render(request, "newsletter/signup.html",
                          {"form": form, "refused": verdict.refuse}, status=verdict.status)
        if form.is_valid():
            sending.prune_unconfirmed()
            _subscribe(form.cleaned_data["email"], form.cleaned_data["language"])
            # The mail goes out from the worker, never during the request: the answer
            # takes the same time whether the address was new or known.
            tasks.send_confirmations.enqueue()
            return render(request, "newsletter/check_mail.html", {
                "days": settings.NEWSLETTER_CONFIRM_DAYS,
            })
        return render(request, "newsletter/signup.html", {"form": form}, status=400)
    form = SignupForm(initial={"language": translation.get_language()})
    return render(request, "newsletter/signup.html", {"form": form})


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/invalid_link.html", status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST confirms."""
    max_age = settings.NEWSLETTER_CONFIRM_DAYS * 86400
    try:
        subscriber = mail.subscriber_from_token(token, mail.CONFIRM_SALT, max_age=max_age)
    except signing.BadSignature:
        return _invalid(request)
    if subscriber is None:
        return _invalid(request)
    if request.method == "POST":
        if subscriber.state != Subscriber.CONFIRMED:
            subscriber.state = Subscriber.CONFIRMED
            subscriber.confirmed_on = dates.today()
            subscriber.confirmation_due = False
            subscriber.save(update_fields=["state", "confirmed_on", "confirmation_due"])
        return render(request, "newsletter/confirmed.html")
    return render(request, "newsletter/confirm.html", {"token": token})


@csrf_exempt  # RFC 8058 one-click: the mail client posts without a form; the URL is signed
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = mail.subscriber_from_token(token, mail.UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return _invalid(request)
    if request.method == "POST":
        if subscriber is not None:
            subscriber.delete()  # the address and every delivery row go with it
        return render(request, "newsletter/unsubscribed.html")
    return render(request, "newsletter/unsubscribe.html", {
        "token": token, "subscribed": subscriber is not None,
    })


def _legal(request: HttpRequest, kind: str) -> HttpResponse:
    page = legal.current(kind)
    if page is None:
        body = markup.render(legal.default_text(kind))
    else:
        body = markup.render(page.body_for(translation.get_language()))
    return render(request, "newsletter/legal.html", {
        "kind": kind, "page": page, "body": body,
        "title": dict(LegalPage.KINDS)[kind],
    })


@require_safe
def terms(request: HttpRequest) -> HttpResponse:
    return _legal(request, LegalPage.TERMS)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return _legal(request, LegalPage.PRIVACY)
