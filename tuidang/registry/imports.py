"""Batch import of a helper's declarations from CSV or JSON Lines (docs/import.md).

Shared by `manage.py import_declarations` and the helpers' upload page. A file is read
as a stream: its encoding is found first (UTF-8 with or without BOM, else GB18030), then
its lines are turned into items shaped like the API's (persons and declaration fields),
checked by the web form's own rules (registry/submission.py), and stored in batches:
one transaction per batch, and if a batch fails, one transaction per declaration, so a
bad line never takes a good one down with it.

Importing the same file twice counts no one twice: every imported declaration carries
an import key, a keyed hash of the helper and the line's `ref` (if given) or of its
canonical public content, and a line whose key exists is skipped.
"""

import codecs
import copy
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.forms import Form
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tuidang.registry import actions, receipts
from tuidang.registry.choices import Channel
from tuidang.registry.declaring import SUBMISSION_FIELDS
from tuidang.registry.forms import (
    BasePersonFormSet,
    PersonForm,
    StatementForm,
    validate_plain_text,
)
from tuidang.registry.models import Declaration
from tuidang.registry.submission import (
    PERSON_FIELDS,
    FieldError,
    Validated,
    max_persons,
    validate_helper_submission,
)
from tuidang.tlog.entry import EntryError

FORMATS = ("csv", "jsonl")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
DECLARATION_FIELDS = ("statement_title", "statement_text", "contact", "notes")
CSV_COLUMNS = ("ref", *PERSON_FIELDS, *DECLARATION_FIELDS)
REQUIRED_COLUMNS = ("display_name", "organizations")
JSON_KEYS = ("ref", "persons", *DECLARATION_FIELDS)
MAX_REF_LENGTH = 100
BATCH_SIZE = 500
ENCODING_NAMES = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "gb18030": "GB18030"}

_YES = {"1", "yes", "y", "true", "x", "是", "真"}
_NO = {"", "0", "no", "n", "false", "否", "假"}
_ORGANIZATION_WORDS = {
    "party": "party", "中共": "party", "党": "party", "黨": "party", "共产党": "party",
    "共產黨": "party", "league": "league", "共青团": "league", "共青團": "league",
    "团": "league", "團": "league", "pioneers": "pioneers", "少先队": "pioneers",
    "少先隊": "pioneers", "队": "pioneers", "隊": "pioneers",
}
_ORGANIZATION_SEPARATORS = re.compile(r"[\s,;/|、，；]+")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, format, header)."""


# -- reading ---------------------------------------------------------------------------


def format_for(name: str, given: str | None = None) -> str:
    if given:
        if given not in FORMATS:
            raise ImportFileError(_("Unknown format %(format)s.") % {"format": given})
        return given
    found = EXTENSIONS.get(Path(name).suffix.lower())
    if found is None:
        raise ImportFileError(_("Name the file .csv or .jsonl, or give its format."))
    return found


def _count_lines(binary: BinaryIO, encoding: str) -> int | None:
    """Newlines in the file if it decodes strictly with `encoding`, else None."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 0
    try:
        while chunk := binary.read(1 << 20):
            decoder.decode(chunk)
            lines += chunk.count(b"\n")  # 0x0A is never part of a UTF-8 or GB18030 sequence
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return lines


def detect_encoding(binary: BinaryIO) -> tuple[str, int]:
    """(codec, newline count): UTF-8 with BOM, UTF-8, else GB18030; tried strictly."""
    binary.seek(0)
    candidates = ["utf-8-sig"] if binary.read(3) == codecs.BOM_UTF8 else ["utf-8", "gb18030"]
    for encoding in candidates:
        lines = _count_lines(binary, encoding)
        if lines is not None:
            binary.seek(0)
            return encoding, lines
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))


@dataclass
class Item:
    """One declaration as read from the file, before validation."""

    line: int  # its first line (CSV: the spreadsheet's row number, the header is 1)
    last_line: int
    ref: str = ""
    data: dict = field(default_factory=dict)  # shaped like an API item
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # line, field, reason
    csv_rows: bool = False  # persons[i] is on line + i

    def problem(self, line: int, name: str, reason: str) -> None:
        self.problems.append((line, name, str(reason)))


def _yes_no(text: str) -> bool | None:
    value = text.strip().lower()
    return True if value in _YES else False if value in _NO else None


def _organizations(text: str) -> list[str]:
    words = [w for w in _ORGANIZATION_SEPARATORS.split(text.strip()) if w]
    return [_ORGANIZATION_WORDS.get(w.lower(), w) for w in words]


class CsvReader:
    """One line per person; consecutive lines with the same `ref` form one declaration."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.reader = csv.reader(text)
        try:
            header = next(self.reader)
        except StopIteration:
            raise ImportFileError(_("The file is empty.")) from None
        except csv.Error as exc:
            raise ImportFileError(_("The header line is not valid CSV: %(error)s")
                                  % {"error": exc}) from None
        self.columns = [name.strip().lower() for name in header]
        named = [name for name in self.columns if name]
        unknown = [name for name in named if name not in CSV_COLUMNS]
        if unknown:
            raise ImportFileError(_("Unknown columns: %(names)s. The columns are: %(known)s.")
                                  % {"names": ", ".join(unknown), "known": ", ".join(CSV_COLUMNS)})
        if len(named) != len(set(named)):
            raise ImportFileError(_("A column appears twice in the header."))
        missing = [name for name in REQUIRED_COLUMNS if name not in named]
        if missing:
            raise ImportFileError(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        self.index = {name: i for i, name in enumerate(self.columns) if name}

    @property
    def lines_read(self) -> int:
        return self.reader.line_num

    def _rows(self) -> Iterator[tuple[int, dict[str, str] | None, str]]:
        """(row number, cells or None, reason) for each non-blank row."""
        row_number = 1
        while True:
            row_number += 1
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield row_number, None, _("Not valid CSV: %(error)s") % {"error": exc}
                continue
            if not any(cell.strip() for cell in row):
                continue
            if any(cell.strip() for cell in row[len(self.columns):]):
                yield row_number, None, _("This line has more cells than the header has columns.")
                continue
            yield row_number, {name: row[i] if i < len(row) else ""
                               for name, i in self.index.items()}, ""

    def __iter__(self) -> Iterator[Item]:
        group: list[tuple[int, dict[str, str]]] = []
        for row_number, cells, reason in self._rows():
            if cells is None:
                if group:
                    yield self._item(group)
                    group = []
                item = Item(row_number, row_number)
                item.problem(row_number, "", reason)
                yield item
                continue
            ref = cells.get("ref", "").strip()
            if group and ref and ref == group[0][1].get("ref", "").strip():
                group.append((row_number, cells))
                continue
            if group:
                yield self._item(group)
            group = [(row_number, cells)]
        if group:
            yield self._item(group)

    def _item(self, rows: list[tuple[int, dict[str, str]]]) -> Item:
        first = rows[0][1]
        item = Item(rows[0][0], rows[-1][0], ref=first.get("ref", "").strip(), csv_rows=True)
        persons = []
        for line, cells in rows:
            person = {name: cells[name] for name in PERSON_FIELDS if name in cells}
            real = _yes_no(cells.get("is_real_name", ""))
            if real is None:
                item.problem(line, "is_real_name", _("Write yes or no (or leave it empty)."))
            person["is_real_name"] = bool(real)
            person["organizations"] = _organizations(cells["organizations"])
            for name, case in (("region", str.lower), ("country", str.upper),
                               ("sector", str.lower), ("birth_year", str)):
                if name in person:
                    person[name] = case(person[name].strip())
            persons.append(person)
        item.data["persons"] = persons
        for name in DECLARATION_FIELDS:
            given = [(line, cells[name]) for line, cells in rows if cells.get(name, "").strip()]
            if len({value for _line, value in given}) > 1:
                item.problem(given[1][0], name, _(
                    "The lines of one declaration give different values here; "
                    "give it on its first line only."))
            item.data[name] = given[0][1] if given else ""
        return item


def _json_type_problems(obj: Mapping, keys: tuple, types: dict, where: str) -> list[str]:
    found = [_("unknown field %(name)s") % {"name": f"{where}{k}"} for k in obj if k not in keys]
    for key, kinds in types.items():
        value = obj.get(key)
        wrong = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        if value is not None and wrong:
            found.append(_("wrong type for %(name)s") % {"name": f"{where}{key}"})
    return found


_PERSON_TYPES = {
    "display_name": (str,), "is_real_name": (bool,), "organizations": (list,),
    "region": (str,), "country": (str,), "sector": (str,), "private_real_name": (str,),
    "birth_year": (int,),
}
_DECLARATION_TYPES = {"ref": (str, int), "persons": (list,),
                      **{name: (str,) for name in DECLARATION_FIELDS}}


class JsonLinesReader:
    """One declaration object a line, shaped like the API's item."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text = text
        self.lines_read = 0

    def __iter__(self) -> Iterator[Item]:
        for number, raw in enumerate(self.text, start=1):
            self.lines_read = number
            if not raw.strip():
                continue
            item = Item(number, number)
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                item.problem(number, "", _("Not valid JSON: %(error)s") % {"error": exc})
                yield item
                continue
            if not isinstance(obj, dict):
                item.problem(number, "", _("Each line must be a JSON object."))
                yield item
                continue
            for reason in _json_type_problems(obj, JSON_KEYS, _DECLARATION_TYPES, ""):
                item.problem(number, "", reason)
            persons = obj.get("persons") if isinstance(obj.get("persons"), list) else []
            for index, person in enumerate(persons):
                if not isinstance(person, dict):
                    item.problem(number, f"persons[{index}]", _("A person is a JSON object."))
                    continue
                for reason in _json_type_problems(person, PERSON_FIELDS, _PERSON_TYPES,
                                                  f"persons[{index}]."):
                    item.problem(number, "", reason)
                organizations = person.get("organizations")
                if isinstance(organizations, list) and not all(
                        isinstance(o, str) for o in organizations):
                    item.problem(number, f"persons[{index}].organizations",
                                 _("Organizations are a list of names."))
            ref = obj.get("ref")
            item.ref = str(ref).strip() if isinstance(ref, str | int) else ""
            if not item.problems:
                item.data = {key: obj[key] for key in ("persons", *DECLARATION_FIELDS)
                             if key in obj}
            yield item


# -- checking --------------------------------------------------------------------------


def _bound(template: Form, data: Mapping) -> Form:
    """A copy of an unbound template form, bound to `data`: what Form.__init__ would give.

    Building a PersonForm costs over a millisecond (its fields are deep-copied and the
    country list is sorted in the active language), more than all the rest of a line's
    import; cleaning never changes a field, so copies of one template may share them.
    """
    form = copy.copy(template)
    form.data, form.files, form.is_bound = data, {}, True
    form._errors = None
    form._bound_fields_cache = {}
    return form


class _PersonForms:
    """What BasePersonFormSet.clean reads of a formset: its forms and their errors."""

    def __init__(self, forms: list[Form]) -> None:
        self.forms = forms
        self.errors = [form.errors for form in forms]


class Checker:
    """validate_helper_submission with a fast path for the common case, a valid line.

    The fast path runs the same forms (PersonForm for each person, the formset's own
    check across persons, StatementForm) on copies of forms built once per language. If
    anything is wrong, the line goes through validate_helper_submission itself, which
    names the errors exactly as the API and the web form do.
    """

    # HelperSubmissionForm asks for the channel and the consent; an import's channel is
    # always `import`, and the helper gives the consent once for the whole file.
    _GIVEN = {"channel": "in-person", "consent": True}

    def __init__(self) -> None:
        self._templates: dict[str, tuple[Form, Form]] = {}

    def _forms(self) -> tuple[Form, Form]:
        language = get_language() or ""
        if language not in self._templates:
            templates = (PersonForm(), StatementForm())
            for form in templates:  # each form has its own copies of the fields
                for form_field in form.fields.values():
                    # Unused in cleaning, and each BoundField would translate it again.
                    form_field.help_text = ""
            self._templates[language] = templates
        return self._templates[language]

    def _fast(self, data: Mapping) -> Validated | None:
        persons = data.get("persons") or []
        if not persons or len(persons) > max_persons():
            return None
        person_template, statement_template = self._forms()
        forms = []
        for person in persons:
            form = _bound(person_template, {k: v for k, v in person.items()
                                            if k in PERSON_FIELDS and v is not None})
            if not form.is_valid():
                return None
            forms.append(form)
        try:
            BasePersonFormSet.clean(_PersonForms(forms))
        except ValidationError:
            return None
        statement = _bound(statement_template, {k: data[k] for k in DECLARATION_FIELDS
                                                if data.get(k) is not None})
        if not statement.is_valid():
            return None
        return Validated(
            persons=[actions.PersonData.from_form(f.cleaned_data) for f in forms],
            fields={k: statement.cleaned_data[k] for k in SUBMISSION_FIELDS
                    if k in statement.cleaned_data},
        )

    def __call__(self, data: Mapping) -> Validated:
        fast = self._fast(data)
        if fast is not None:
            return fast
        result = validate_helper_submission({**data, **self._GIVEN})
        result.fields.pop("channel", None)
        return result


def _where(item: Item, error: FieldError) -> tuple[int, str]:
    """The line and the field (a CSV column, or a JSON path) of an error."""
    path = error.path
    if item.csv_rows and len(path) >= 2 and path[0] == "persons" and isinstance(path[1], int):
        return item.line + path[1], ".".join(str(p) for p in path[2:])
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return item.line, text


def canonical_content(validated: Validated) -> str:
    """The public content of a declaration (no sealed field), one way to write it."""
    return json.dumps({
        "persons": [[p.display_name, p.is_real_name, list(p.organizations), p.region,
                     p.country, p.sector] for p in validated.persons],
        "statement_title": validated.fields.get("statement_title", ""),
        "statement_text": validated.fields.get("statement_text", ""),
    }, ensure_ascii=False, separators=(",", ":"))


def import_key(helper: AbstractBaseUser, ref: str, content: str, occurrence: int) -> str:
    """The key that makes an import idempotent (see the module docstring).

    Without a ref, the n-th line of a file with the same content gets occurrence n: two
    people who gave one alias are two declarations (screening holds the second for a
    moderator), and importing the file again skips both.
    """
    if ref:
        return receipts.keyed_hash("import", f"{helper.pk}\nref\n{ref}")
    return receipts.keyed_hash("import", f"{helper.pk}\ncontent\n{occurrence}\n{content}")


def _short(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


# -- importing -------------------------------------------------------------------------


@dataclass
class Rejection:
    line: int
    last_line: int
    ref: str
    problems: list[tuple[int, str, str]]  # (line, field, reason)


@dataclass
class Outcome:
    format: str
    encoding: str
    dry_run: bool
    imported: int = 0
    rejected: int = 0
    skipped: int = 0
    lines: int = 0

    @property
    def encoding_name(self) -> str:
        return ENCODING_NAMES.get(self.encoding, self.encoding)

    def summary(self) -> str:
        values = {"imported": self.imported, "rejected": self.rejected, "skipped": self.skipped}
        if self.dry_run:
            return _("dry run, nothing stored: would import %(imported)d, rejected "
                     "%(rejected)d, skipped %(skipped)d already imported") % values
        return _("imported %(imported)d, rejected %(rejected)d, skipped %(skipped)d "
                 "already imported") % values


@dataclass
class _Good:
    item: Item
    validated: Validated
    key: str

    def data(self) -> actions.DeclarationData:
        fields = self.validated.fields
        return actions.DeclarationData(
            persons=self.validated.persons,
            statement_title=fields.get("statement_title", ""),
            statement_text=fields.get("statement_text", ""),
            contact=fields.get("contact", ""),
            notes=fields.get("notes", ""),
            import_key=self.key,
        )


class Importer:
    def __init__(
        self,
        helper: AbstractBaseUser,
        *,
        dry_run: bool = False,
        on_rejected: Callable[[Rejection], None] | None = None,
        on_imported: Callable[[int, str, str], None] | None = None,  # line, ref, code
        on_skipped: Callable[[int, str], None] | None = None,  # line, ref
        progress: Callable[[int, int], None] | None = None,  # lines read, lines in all
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.helper = helper
        self.dry_run = dry_run
        self.on_rejected = on_rejected or (lambda rejection: None)
        self.on_imported = on_imported or (lambda line, ref, code: None)
        self.on_skipped = on_skipped or (lambda line, ref: None)
        self.progress = progress or (lambda lines, total: None)
        self.batch_size = batch_size
        self.check = Checker()
        self.refs: dict[bytes, int] = {}  # ref → its first line, to refuse a ref used twice
        self.contents: dict[bytes, int] = {}  # content → how many lines had it so far

    def run(self, binary: BinaryIO, fmt: str) -> Outcome:
        encoding, lines = detect_encoding(binary)
        outcome = Outcome(fmt, encoding, self.dry_run, lines=lines)
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        try:
            reader = CsvReader(text) if fmt == "csv" else JsonLinesReader(text)
            batch: list[_Good] = []
            for item in reader:
                good = self._check(item, outcome)
                if good is not None:
                    batch.append(good)
                if len(batch) >= self.batch_size:
                    self._store(batch, outcome)
                    batch = []
                    self.progress(reader.lines_read, lines)
            self._store(batch, outcome)
            self.progress(reader.lines_read, lines)
        finally:
            text.detach()  # the caller's file stays open
        return outcome

    def _reject(self, item: Item, outcome: Outcome) -> None:
        outcome.rejected += 1
        self.on_rejected(Rejection(item.line, item.last_line, item.ref, item.problems))

    def _check(self, item: Item, outcome: Outcome) -> _Good | None:
        if item.ref:
            try:
                validate_plain_text(item.ref)
                if len(item.ref) > MAX_REF_LENGTH:
                    raise ValidationError(_("At most %(n)d characters.") % {"n": MAX_REF_LENGTH})
            except ValidationError as exc:
                item.problem(item.line, "ref", " ".join(exc.messages))
            first = self.refs.setdefault(_short(item.ref), item.line)
            if first != item.line:
                item.problem(item.line, "ref", _(
                    "This ref is already used on line %(line)d; the lines of one declaration "
                    "must follow each other.") % {"line": first})
        if item.problems:
            self._reject(item, outcome)
            return None
        validated = self.check(item.data)
        if not validated.ok:
            for error in validated.errors:
                item.problem(*_where(item, error), error.message)
            self._reject(item, outcome)
            return None
        content = canonical_content(validated)
        occurrence = 1
        if not item.ref:
            short = _short(content)
            occurrence = self.contents.get(short, 0) + 1
            self.contents[short] = occurrence
        return _Good(item, validated, import_key(self.helper, item.ref, content, occurrence))

    def _store(self, batch: list[_Good], outcome: Outcome) -> None:
        if not batch:
            return
        existing = set(Declaration.objects.filter(import_key__in=[g.key for g in batch])
                       .values_list("import_key", flat=True))
        for good in batch:
            if good.key in existing:
                outcome.skipped += 1
                self.on_skipped(good.item.line, good.item.ref)
        batch = [g for g in batch if g.key not in existing]
        if self.dry_run:
            outcome.imported += len(batch)
            return
        try:
            submitted = actions.submit_declarations_bulk(
                [g.data() for g in batch], channel=Channel.IMPORT, helper=self.helper)
        except (IntegrityError, EntryError):  # a race, or a line the log refuses
            for good in batch:
                self._store_one(good, outcome)
        else:
            for good, done in zip(batch, submitted, strict=True):
                outcome.imported += 1
                self.on_imported(good.item.line, good.item.ref, done.receipt_code)

    def _store_one(self, good: _Good, outcome: Outcome) -> None:
        data = good.data()
        try:
            done = actions.submit_declaration(
                data.persons, channel=Channel.IMPORT, helper=self.helper,
                statement_title=data.statement_title, statement_text=data.statement_text,
                contact=data.contact, notes=data.notes, import_key=data.import_key,
            )
        except actions.AlreadyImported:
            outcome.skipped += 1
            self.on_skipped(good.item.line, good.item.ref)
            return
        except EntryError as exc:
            good.item.problem(good.item.line, "", _("The public log cannot hold this "
                                                    "declaration: %(error)s") % {"error": exc})
            self._reject(good.item, outcome)
            return
        outcome.imported += 1
        self.on_imported(good.item.line, good.item.ref, done.receipt_code)


def describe(problem: tuple[int, str, str], rejection: Rejection) -> str:
    """One problem as a line of the report: 'line 5 (ref A7): organizations: …'."""
    line, name, reason = problem
    where = _("line %(line)d") % {"line": line}
    if rejection.last_line != rejection.line:
        where += " " + _("(declaration on lines %(first)d–%(last)d)") % {
            "first": rejection.line, "last": rejection.last_line}
    if rejection.ref:
        where += " " + _("(ref %(ref)s)") % {"ref": rejection.ref}
    return f"{where}: {name}: {reason}" if name else f"{where}: {reason}"


REPORT_COLUMNS = ("line", "first_line", "last_line", "ref", "field", "reason")


def report_rows(rejection: Rejection) -> Iterator[list]:
    for line, name, reason in rejection.problems:
        yield [line, rejection.line, rejection.last_line, rejection.ref, name, reason]


RECEIPT_COLUMNS = ("line", "ref", "receipt_code")
