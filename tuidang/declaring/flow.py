"""The declaration form flow shared by declarants and helpers (and the express lane).

The posted form is read into the schema's shape (`form_input`), checked by the one
schema (registry/schema.py), and the schema's errors are shown beside the form's fields.
Without JavaScript, "add a person" is a submit button: the view renders the same form
again with one more row, keeping what was typed and showing no errors yet. So are the
aliases offered beside each name (registry/aliases.py): a click on one renders the form
again with that name filled in. The form carries a one-time token (declaring/once.py):
posted again, it files nothing twice.
"""

from collections.abc import Callable

from django.forms import Form
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from tuidang.declaring import once
from tuidang.declaring.forms import ALL_ORGANIZATIONS, PersonFormSet
from tuidang.declaring.receipt_page import receipt_response, repeated
from tuidang.intake.actions import Submitted
from tuidang.protection import gate
from tuidang.registry import aliases, schema
from tuidang.registry.choices import ORGANIZATIONS

PREFIX = "persons"
ADD_PERSON = "add_person"
REMOVE_PERSON = "remove_person"  # its value: the row to remove
USE_ALIAS = "use_alias"  # its value: "<row>:<alias>"
MORE_ALIASES = "more_aliases"
# Buttons that only draw the form again (nothing is checked or filed).
REDRAW = (ADD_PERSON, USE_ALIAS, MORE_ALIASES)
ALIASES_PER_PERSON = 3
# How the browser sends a person's fields that are not plain text (forms.PersonForm's
# widgets): a checkbox, a group of checkboxes, a number typed as text.
_CHECKBOXES, _MULTIPLE, _NUMBERS = {"is_real_name"}, {"organizations"}, {"birth_year"}


def _read(post: QueryDict, key: str, name: str):
    if name in _CHECKBOXES:
        return schema.form_bool(post.get(key))
    if name in _MULTIPLE:
        values = post.getlist(key)
        return list(ORGANIZATIONS) if ALL_ORGANIZATIONS in values else values
    if name in _NUMBERS:
        return schema.text_year(post.get(key))
    return post.get(key, "")


def _rows(post: QueryDict) -> int:
    try:
        total = int(post.get(f"{PREFIX}-TOTAL_FORMS", ""))
    except ValueError:
        return 0
    return min(max(total, 0), schema.MAX_PERSONS + 1)  # one more is refused as too many


def without_row(post: QueryDict, row: int) -> QueryDict:
    """The posted form with one person's row taken out and the rows after it moved up."""
    total = _rows(post)
    data = post.copy()
    if not 0 <= row < total or total <= 1:
        return data
    for later in range(row, total):
        for name in schema.PERSON_FIELDS:
            key, following = f"{PREFIX}-{later}-{name}", f"{PREFIX}-{later + 1}-{name}"
            values = post.getlist(following) if later + 1 < total else []
            if values:
                data.setlist(key, values)
            else:
                data.pop(key, None)
    data[f"{PREFIX}-TOTAL_FORMS"] = str(total - 1)
    return data


def form_input(post: QueryDict, model: type[schema.Declaration]) -> tuple[dict, list[int]]:
    """The posted form as the schema's input, and the form row of each person given.

    Rows after the first that are left wholly blank are not persons (a row added and not
    filled in)."""
    persons, rows = [], []
    total = _rows(post)
    for row in range(total):
        key = f"{PREFIX}-{row}-"
        # (a form that claims more rows than a declaration may have is refused as such)
        if row and total <= schema.MAX_PERSONS and not any(
                post.get(key + name) for name in schema.PERSON_FIELDS):
            continue
        persons.append({name: _read(post, key + name, name) for name in schema.PERSON_FIELDS})
        rows.append(row)
    data: dict = {"persons": persons}
    for name in model.model_fields:
        if name == "consent":
            data[name] = schema.form_bool(post.get(name))
        elif name not in ("persons", "client_ref"):
            data[name] = post.get(name, "")
    return data, rows


def show_errors(form: Form, formset, rows: list[int], errors: list[schema.FieldError]) -> None:
    """Put the schema's errors beside the fields they are about (the forms themselves
    never validate)."""
    for each in (form, *formset.forms):
        each._errors, each.cleaned_data = ErrorDict(), {}
    formset._errors, formset._non_form_errors = [], formset.error_class(
        error_class="nonform", renderer=formset.renderer)
    for error in errors:
        path = error.path
        if path[:1] == ("persons",) and len(path) >= 2 and isinstance(path[1], int):
            row = rows[path[1]] if path[1] < len(rows) else 0
            target = formset.forms[row] if row < len(formset.forms) else form
            name = path[2] if len(path) > 2 and path[2] in target.fields else None
            target.add_error(name, error.message)
        elif path[:1] == ("persons",):
            formset._non_form_errors.append(error.message)
        else:
            name = path[0] if path and path[0] in form.fields else None
            form.add_error(name, error.message)


def offer_aliases(formset, post: QueryDict | None = None) -> None:
    """Give each person's form a few aliases (`form.aliases`), none the same as a name
    already in the declaration or as another offered."""
    taken = [post.get(f"{PREFIX}-{row}-display_name", "") for row in range(_rows(post))
             ] if post is not None else []
    offered = aliases.suggest(ALIASES_PER_PERSON * len(formset.forms), taken)
    for row, form in enumerate(formset.forms):
        form.aliases = offered[row * ALIASES_PER_PERSON:(row + 1) * ALIASES_PER_PERSON]


def _redrawn(post: QueryDict) -> tuple[QueryDict, bool]:
    """The post to draw the form again from, for one of the REDRAW buttons, and whether
    it has a new person's row (to put the focus there)."""
    data = post.copy()
    if ADD_PERSON in post:
        total = min(max(_rows(data), 1) + 1, schema.MAX_PERSONS)
        grown = total > _rows(data)
        data[f"{PREFIX}-TOTAL_FORMS"] = str(total)
        return data, grown
    row, _sep, alias = post.get(USE_ALIAS, "").partition(":")
    if row.isascii() and row.isdigit() and int(row) < max(_rows(data), 1) and alias:
        data[f"{PREFIX}-{int(row)}-display_name"] = alias
        data.pop(f"{PREFIX}-{int(row)}-is_real_name", None)  # an alias is not a real name
    return data, False


def handle_declaration_form(
    request: HttpRequest,
    form_class: type[Form],
    model: type[schema.Declaration],
    template: str,
    # receive(checked, hold): stores a valid declaration with the abuse gate's hold reason
    receive: Callable[[schema.Checked, str], Submitted],
    extra_context: dict | None = None,
) -> HttpResponse:
    context = dict(extra_context or {})
    if request.method == "GET":
        formset = PersonFormSet(prefix=PREFIX)
        offer_aliases(formset)
        context.update(form=form_class(), formset=formset, form_token=once.new())
        return render(request, template, context)
    context["form_token"] = once.kept(request.POST)
    if any(button in request.POST for button in REDRAW):
        data, grown = _redrawn(request.POST)
        formset = PersonFormSet(data, prefix=PREFIX)
        offer_aliases(formset, data)
        context.update(form=form_class(data), formset=formset, show_errors=False,
                       focus_last=grown)
        return render(request, template, context)
    if REMOVE_PERSON in request.POST:
        try:
            row = int(request.POST[REMOVE_PERSON])
        except ValueError:
            row = -1
        data = without_row(request.POST, row)
        formset = PersonFormSet(data, prefix=PREFIX)
        offer_aliases(formset, data)
        context.update(form=form_class(data), formset=formset, show_errors=False)
        return render(request, template, context)
    posted = once.identify(request)
    if posted is not None and (again := once.repeat(posted)) is not None:
        return repeated(request, context, again.receipt)  # before the gate counts it
    verdict = gate.check(request)
    form, formset = form_class(request.POST), PersonFormSet(request.POST, prefix=PREFIX)
    offer_aliases(formset, request.POST)
    if verdict.refuse:
        context.update(form=form, formset=formset, show_errors=False, refused=verdict.refuse)
        return render(request, template, context, status=verdict.status)
    data, rows = form_input(request.POST, model)
    checked = schema.validate(model, data)
    if not checked.ok:
        show_errors(form, formset, rows, checked.errors)
        context.update(form=form, formset=formset, show_errors=True)
        return render(request, template, context, status=400)
    submitted = once.file_once(posted, lambda: receive(checked, verdict.hold_reason))
    if submitted is None:  # the same form, posted meanwhile (a double click)
        again = once.repeat(posted)
        return repeated(request, context, again.receipt if again else None)
    return receipt_response(request, context, submitted)
