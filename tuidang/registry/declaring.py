"""The declaration form flow shared by declarants and helpers.

Without JavaScript, "add a person" is a submit button: the view renders the same
form again with one more row, keeping what was typed and showing no errors yet.
"""

from collections.abc import Callable

from django.conf import settings
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tuidang.protection import gate
from tuidang.public.receipt_page import receipt_response
from tuidang.registry.actions import PersonData, Submitted
from tuidang.registry.forms import PersonFormSet

PREFIX = "persons"
# Declaration-level form fields passed on to actions.submit_declaration.
SUBMISSION_FIELDS = ("statement_title", "statement_text", "contact", "notes", "channel")


def _with_one_more_person(post) -> tuple[dict, bool]:
    data = post.copy()
    key = f"{PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    grown = min(max(total, 1) + 1, settings.MAX_PERSONS_PER_DECLARATION)
    data[key] = str(grown)
    return data, grown > total


def handle_declaration_form(
    request: HttpRequest,
    form_class: type[Form],
    template: str,
    # submit(persons, fields): the SUBMISSION_FIELDS the form has, and intake_hold
    submit: Callable[[list[PersonData], dict], Submitted],
    extra_context: dict | None = None,
) -> HttpResponse:
    context = dict(extra_context or {})
    if request.method == "GET":
        context.update(form=form_class(), formset=PersonFormSet(prefix=PREFIX))
        return render(request, template, context)
    if "add_person" in request.POST:
        data, grown = _with_one_more_person(request.POST)
        context.update(
            form=form_class(data), formset=PersonFormSet(data, prefix=PREFIX),
            show_errors=False, focus_last=grown,
        )
        return render(request, template, context)
    verdict = gate.check(request)
    form = form_class(request.POST)
    formset = PersonFormSet(request.POST, prefix=PREFIX)
    if verdict.refuse:
        context.update(form=form, formset=formset, show_errors=False, refused=verdict.refuse)
        return render(request, template, context, status=verdict.status)
    if not (form.is_valid() & formset.is_valid()):  # "&": validate both, show all errors
        context.update(form=form, formset=formset, show_errors=True)
        return render(request, template, context, status=400)
    persons = [PersonData.from_form(f.cleaned_data) for f in formset.forms if f.cleaned_data]
    fields = {k: form.cleaned_data[k] for k in SUBMISSION_FIELDS if k in form.cleaned_data}
    submitted = submit(persons, {**fields, "intake_hold": verdict.hold_reason})
    return receipt_response(request, context, submitted)
