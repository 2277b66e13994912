"""The editors' back office for the questions and answers and the other ways to declare:
a list, and one form to add or change an entry (editors only, with a second factor)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tuidang.accounts.access import access_editor
from tuidang.pages.forms import EntryForm
from tuidang.pages.models import Entry, Kind
from tuidang.registry import dates


@never_cache
@login_required
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    access_editor(request.user)
    return render(request, "pages/editor/list.html", {"entries": Entry.objects.all()})


def access_entry(request: HttpRequest, pk: int | None) -> Entry | None:
    access_editor(request.user)
    if pk is None:
        return None
    found = Entry.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("no such entry")
    return found


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = access_entry(request, pk)
    if request.method == "POST":
        form = EntryForm(request.POST, instance=found)
        if form.is_valid():
            entry = form.save(commit=False)
            entry.updated_on = dates.today()
            entry.save()
            messages.success(request, _("Saved."))
            return redirect("pages:editor")
        return render(request, "pages/editor/entry_form.html",
                      {"form": form, "entry": found}, status=400)
    kind = request.GET.get("kind", Kind.QUESTION)
    form = EntryForm(instance=found, initial={
        "kind": kind if kind in Kind.values else Kind.QUESTION})
    return render(request, "pages/editor/entry_form.html", {"form": form, "entry": found})
