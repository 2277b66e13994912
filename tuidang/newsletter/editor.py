"""The editors' back office for the newsletter (compose, preview, test, send, progress)
and for the terms and privacy pages (every save is a new version)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tuidang.accounts.access import access_editor
from tuidang.newsletter import content, legal, mail, sending, tasks
from tuidang.newsletter.forms import LegalPageForm, NewsletterForm
from tuidang.newsletter.models import LegalPage, Newsletter, Subscriber
from tuidang.registry import dates


def _newsletter(request: HttpRequest, pk: int) -> Newsletter:
    access_editor(request.user)
    return get_object_or_404(Newsletter, pk=pk)


@never_cache
@login_required
@require_GET
def newsletters(request: HttpRequest) -> HttpResponse:
    access_editor(request.user)
    confirmed = dict(
        Subscriber.objects.filter(state=Subscriber.CONFIRMED)
        .values_list("language").annotate(n=Count("id")).values_list("language", "n")
    )
    counts = {code: confirmed.get(code, 0) for code, _name in settings.LANGUAGES}
    return render(request, "newsletter/editor/list.html", {
        "newsletters": Newsletter.objects.all()[:100],
        "subscribers": counts,
        "pending": Subscriber.objects.filter(state=Subscriber.PENDING).count(),
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access_editor(request.user)
    found = _newsletter(request, pk) if pk is not None else None
    if found is not None and found.state != Newsletter.DRAFT:
        return redirect("newsletter:editor_newsletter", found.pk)
    if request.method == "POST":
        form = NewsletterForm(request.POST, instance=found)
        if form.is_valid():
            newsletter = form.save(commit=False)
            if found is None:
                newsletter.created_on = dates.today()
                newsletter.created_by = request.user
            newsletter.save()
            form.save_m2m()
            messages.success(request, _("Saved."))
            return redirect("newsletter:editor_newsletter", newsletter.pk)
    else:
        form = NewsletterForm(instance=found, initial={
            "language": translation.get_language(),
        })
    return render(request, "newsletter/editor/compose.html", {"form": form, "newsletter": found})


@never_cache
@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _newsletter(request, pk)
    return render(request, "newsletter/editor/detail.html", {
        "newsletter": newsletter,
        "progress": sending.progress(newsletter),
        "recipients": Subscriber.objects.filter(
            state=Subscriber.CONFIRMED, language=newsletter.language).count(),
    })


@never_cache
@login_required
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _newsletter(request, pk)
    context = {**content.build(newsletter), "unsubscribe_url": "#", "preview": True}
    return render(request, "newsletter/editor/preview.html", context)


@login_required
@require_POST
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _newsletter(request, pk)
    address = request.user.email
    if not address:
        messages.error(request, _("Your account has no e-mail address for a test."))
    else:
        mail.test_message(newsletter, address, content.build(newsletter)).send()
        messages.success(request, _("A test was sent to your own address."))
    return redirect("newsletter:editor_newsletter", newsletter.pk)


@login_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _newsletter(request, pk)
    if newsletter.state == Newsletter.DRAFT:
        total = sending.start(newsletter)
        transaction.on_commit(lambda: tasks.send_newsletter.enqueue(newsletter.pk))
        messages.success(request, _("Sending to %(count)s subscribers.") % {"count": total})
    elif newsletter.state == Newsletter.SENDING:
        # Resume (e.g. after a restart): only pending deliveries are taken.
        tasks.send_newsletter.enqueue(newsletter.pk)
        messages.success(request, _("Sending resumed."))
    return redirect("newsletter:editor_newsletter", newsletter.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    access_editor(request.user)
    if kind not in dict(LegalPage.KINDS):
        raise Http404("no such page")
    page = legal.current(kind)
    if request.method == "POST":
        form = LegalPageForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                last = LegalPage.objects.filter(kind=kind).aggregate(v=Max("version"))["v"]
                LegalPage.objects.create(
                    kind=kind, version=(last or 0) + 1, edited_on=dates.today(),
                    edited_by=request.user, **form.cleaned_data,
                )
            messages.success(request, _("Saved as a new version."))
            return redirect("newsletter:editor_legal", kind)
    else:
        initial = {}
        if page is not None:
            initial = {f: getattr(page, f) for f in ("body_zh_hans", "body_zh_hant", "body_en")}
        else:
            initial = {"body_en": legal.default_text(kind)}
        form = LegalPageForm(initial=initial)
    return render(request, "newsletter/editor/legal.html", {
        "form": form, "kind": kind, "page": page,
        "versions": LegalPage.objects.filter(kind=kind).select_related("edited_by")[:50],
        "title": dict(LegalPage.KINDS)[kind],
    })
