"""Paper for the booth: the collection sheet a helper fills in by hand, and the receipt
slips they hand out.

The sheet's columns are the CSV import's, read from its one definition
(imports.files.CSV_COLUMNS) and headed with their exact names, so a filled-in sheet is
typed into a spreadsheet column for column and imports as it is (docs/import.md). Its
consent line is the helper form's own wording. A slip carries one receipt code in large
groups of four and the address where the declarant checks it; the codes come from the
helper (the import's result file, or the receipt page of the helper form) and are never
stored: they are only in the page the helper prints.
"""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tuidang.accounts.access import access_helper
from tuidang.declaring.forms import HelperSubmissionForm, PersonForm, StatementForm
from tuidang.imports.files import CSV_COLUMNS, REQUIRED_COLUMNS
from tuidang.registry import receipts

SHEET_ROWS = 10  # as many as fit on one A4 page, landscape
MAX_SLIPS = 200
# A code as printed or saved (groups of four, any separator): found anywhere in a line.
_CODE = re.compile(r"[A-Za-z2-9]{4}(?:[-\s][A-Za-z2-9]{4}){4}")


def consent_wording() -> str:
    """What the helper confirms for each person, as the helper form words it."""
    return str(HelperSubmissionForm.base_fields["consent"].label)


def _hints() -> dict[str, str]:
    return {
        "ref": _("Same on each line of one declaration (one line per person)."),
        "is_real_name": _("yes or no"),
        "organizations": _("party, league, pioneers (or 中共 共青团 少先队)"),
        "region": _("a code such as beijing, or overseas"),
        "country": _("only with overseas: two letters, such as US"),
        "sector": _("a code such as teacher"),
        "birth_year": _("such as 1975"),
    }


def sheet_columns() -> list[dict]:
    """The import's columns in its order: name, label (the forms' own) and a hint."""
    labels = {name: field.label for name, field in
              (*PersonForm.base_fields.items(), *StatementForm.base_fields.items())}
    labels["ref"] = _("Reference")
    hints = _hints()
    return [{"name": name, "label": labels[name], "hint": hints.get(name, ""),
             "required": name in REQUIRED_COLUMNS} for name in CSV_COLUMNS]


@never_cache
@login_required
@require_GET
def sheet(request: HttpRequest) -> HttpResponse:
    access_helper(request.user)
    return render(request, "helpers/sheet.html", {
        "columns": sheet_columns(), "rows": range(SHEET_ROWS),
        "consent": consent_wording()})


class SlipsForm(forms.Form):
    codes = forms.CharField(
        label=gettext_lazy("Receipt codes"), max_length=MAX_SLIPS * 200,
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One a line, or paste the lines of an import's result file: each line's code "
            "(and its ref) makes one slip."))


def _slips(text: str) -> tuple[list[dict], list[int]]:
    """A slip for each line with a code: its code in groups and the line's ref (an
    import's result line, line,ref,outcome,code,… from the page or line,ref,code from
    the command); and the lines with no valid code."""
    slips, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or "receipt_code" in line or ",summary," in line:
            continue
        found = _CODE.search(line)
        raw = receipts.normalize_code(found.group(0)) if found else None
        if raw is None:
            if ",rejected," not in line and ",skipped," not in line:
                bad.append(number)
            continue
        cells = line.split(",")
        ref = cells[1].strip() if len(cells) >= 3 and cells[0].strip().isdigit() else ""
        slips.append({"groups": [raw[i:i + 4] for i in range(0, len(raw), 4)], "ref": ref})
    return slips, bad


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def slips(request: HttpRequest) -> HttpResponse:
    access_helper(request.user)
    if request.method == "GET":
        return render(request, "helpers/slips.html", {"form": SlipsForm()})
    form = SlipsForm(request.POST)
    if not form.is_valid():
        return render(request, "helpers/slips.html", {"form": form}, status=400)
    found, bad = _slips(form.cleaned_data["codes"])
    if bad or not found or len(found) > MAX_SLIPS:
        if bad:
            form.add_error("codes", _("No receipt code on line(s) %(lines)s.")
                           % {"lines": ", ".join(map(str, bad[:20]))})
        elif not found:
            form.add_error("codes", _("Give at least one receipt code."))
        else:
            form.add_error("codes", _("At most %(count)s slips at a time.") % {"count": MAX_SLIPS})
        return render(request, "helpers/slips.html", {"form": form}, status=400)
    return render(request, "helpers/slips_print.html", {
        "slips": found,
        "check_url": settings.SITE_URL + reverse("receipt"),
        "onion_url": (settings.ONION_LOCATION + reverse("receipt")
                      if settings.ONION_LOCATION else ""),
    })
