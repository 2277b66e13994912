"""Batch upload for helpers: imports/importer.py in the browser (docs/import.md).

A dry run shows the report on the page. A real import answers with a CSV file to save:
the receipt code of every imported line (to hand to its declarant), the rejected lines
with their reasons, and the summary. The codes exist only in that response: they are
never stored, and the uploaded file never touches the disk (it is read in memory).
"""

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from tuidang.accounts.access import access_helper
from tuidang.core import csvfiles
from tuidang.imports import importer as imports
from tuidang.registry import dates

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SHOWN_REJECTIONS = 1000


class MemoryUploadHandler(FileUploadHandler):
    """Keeps uploaded files in memory (no temporary file with names in it on the disk)
    and stops reading once they pass MAX_UPLOAD_BYTES together."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.total = 0
        self.too_big = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.total += len(raw_data)
        if self.total > MAX_UPLOAD_BYTES:
            self.too_big = True
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size,
            self.charset, self.content_type_extra,
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or JSON Lines, at most 20 MB)"))
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), required=False,
        choices=[("", gettext_lazy("From the file name")), ("csv", "CSV"),
                 ("jsonl", "JSON Lines")],
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every line and show the report, store nothing"),
        required=False,
    )
    consent = forms.BooleanField(
        label=gettext_lazy("Everyone in this file asked me to submit their declaration."),
        required=False,
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("dry_run") and not data.get("consent"):
            self.add_error("consent", _("Import only for people who asked you to."))
        return data


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    helper = access_helper(request.user)
    handler = MemoryUploadHandler(request)
    if request.method == "POST":
        request.upload_handlers = [handler]
    return _upload(request, helper, handler)


@csrf_protect
def _upload(request: HttpRequest, helper, handler: MemoryUploadHandler) -> HttpResponse:
    if request.method == "GET":
        return render(request, "helpers/import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    if handler.too_big:
        form.is_valid()
        form.add_error("file", _("The file is larger than 20 MB: split it, or ask an "
                                 "administrator to import it on the server."))
        return render(request, "helpers/import.html", {"form": form}, status=413)
    if not form.is_valid():
        return render(request, "helpers/import.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    dry_run = form.cleaned_data["dry_run"]
    rows: list[list] = []  # line, ref, outcome, receipt code, field, reason
    rejections: list[imports.Rejection] = []

    def rejected(rejection: imports.Rejection) -> None:
        if len(rejections) < SHOWN_REJECTIONS:
            rejections.append(rejection)
        for line, name, reason in rejection.problems:
            rows.append([line, rejection.ref, "rejected", "", name, reason])

    importer = imports.Importer(
        helper, dry_run=dry_run, on_rejected=rejected,
        on_imported=lambda line, ref, code: rows.append([line, ref, "imported", code, "", ""]),
        on_skipped=lambda line, ref: rows.append(
            [line, ref, "skipped", "", "", _("already imported")]),
    )
    try:
        fmt = imports.format_for(upload.name, form.cleaned_data["format"])
        outcome = importer.run(upload.file, fmt)
    except imports.ImportFileError as exc:
        form.add_error("file", str(exc))
        return render(request, "helpers/import.html", {"form": form}, status=400)
    if dry_run:
        context = {
            "form": ImportForm(initial={"dry_run": True}), "outcome": outcome,
            "rejections": [(r, [imports.describe(p, r) for p in r.problems])
                           for r in rejections],
            "more_rejected": outcome.rejected - len(rejections),
        }
        return render(request, "helpers/import.html", context)
    return _result_file(rows, outcome)


def _result_file(rows: list[list], outcome: imports.Outcome) -> HttpResponse:
    """The receipt codes and the report, as a CSV file to save (never stored here)."""
    out = io.StringIO()
    writer = csvfiles.writer(out)
    writer.writerow(["line", "ref", "outcome", "receipt_code", "field", "reason"])
    writer.writerows(sorted(rows, key=lambda row: row[0]))
    writer.writerow(["", "", "summary", "", "", outcome.summary()])
    name = f"tuidang-import-{dates.today().isoformat()}.csv"
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode(),  # the BOM tells spreadsheets it is UTF-8
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
