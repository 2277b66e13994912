"""The helpers' JSON API, /api/v1/ (django-ninja). See docs/api.md.

Every error is JSON: {"detail": …, "errors": [{"path": …, "message": …}]}, in the
language of Accept-Language (zh-hans by default; LocaleMiddleware activates it).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer

from tuidang.accounts.access import is_helper
from tuidang.api import tokens
from tuidang.api.schemas import (
    MAX_BATCH,
    MAX_CLIENT_REF,
    MAX_SERIAL,
    BatchIn,
    BatchOut,
    DeclarationOut,
    DeclarationPage,
    ErrorOut,
    InvalidItem,
    PageQuery,
)
from tuidang.protection.gate import HOLD_SURGE
from tuidang.protection.models import SurgeMode, SurgeSetting
from tuidang.registry import actions, groupcommit
from tuidang.registry.forms import validate_plain_text
from tuidang.registry.models import Declaration
from tuidang.registry.submission import FieldError, Validated, validate_helper_submission


class HelperToken(HttpBearer):
    """Authorization: Bearer tdk_…; the token's account must be an active helper."""

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.user_for(token)
        if user is None:
            return None  # 401
        if not is_helper(user):
            raise AuthorizationError()  # 403
        return user


class PlainDocs(DocsBase):
    """A server-rendered list of the operations: no script, nothing from another host
    (django-ninja's Swagger UI would load from a CDN)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = [
            {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
             "description": op.get("description", "")}
            for path, methods in schema["paths"].items()
            for method, op in methods.items()
        ]
        return render(request, "api/docs.html", {
            "operations": operations, "openapi_url": self.get_openapi_url(api, kwargs),
            "max_batch": MAX_BATCH,
        })


api = NinjaAPI(
    title="tuidang helpers API",
    version="1",
    urls_namespace="api",
    description="Submit declarations for people who asked you to, and read back their "
                "status. Authenticate with a personal API token: Authorization: Bearer "
                "tdk_… (created on your account page). See docs/api.md.",
    auth=HelperToken(),
    docs=PlainDocs(),
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


# --- Errors --------------------------------------------------------------------------------

def format_path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def type_message(error: dict) -> str:
    """A JSON type error from pydantic, in the request's language."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not part of the format.")
    if kind in ("string_type", "string_sub_type"):
        return _("Enter text (a JSON string).")
    if kind == "unicode":
        return _("Enter valid Unicode text.")
    if kind == "bool_type":
        return _("Enter true or false.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("list_type", "tuple_type"):
        return _("Enter a list.")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Enter an object.")
    if kind == "too_long" and ctx.get("max_length") is not None:
        limit = int(ctx["max_length"])
        return ngettext("Give at most %(limit)s item.", "Give at most %(limit)s items.",
                        limit) % {"limit": limit}
    if kind == "too_short" and ctx.get("min_length") is not None:
        limit = int(ctx["min_length"])
        return ngettext("Give at least %(limit)s item.", "Give at least %(limit)s items.",
                        limit) % {"limit": limit}
    if kind in ("greater_than_equal", "greater_than") and "ge" in ctx:
        return _("Enter a number of at least %(limit)s.") % {"limit": ctx["ge"]}
    if kind in ("less_than_equal", "less_than") and "le" in ctx:
        return _("Enter a number of at most %(limit)s.") % {"limit": ctx["le"]}
    return _("Enter a valid value.")


def _request_location(loc: tuple) -> tuple:
    # ninja reports ("body", "payload", "declarations", 3, …) or ("query", "limit"):
    # drop the source and, for the body, the parameter's name.
    parts = list(loc)
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 1 and parts[1] == "payload" else parts[1:]
    elif parts[:1] in (["query"], ["path"]):
        parts = parts[1:]
        if parts[:1] == ["params"]:
            parts = parts[1:]
    return tuple(parts)


def error_response(request: HttpRequest, status: int, detail: str,
                   errors: list[dict] | None = None) -> HttpResponse:
    response = api.create_response(
        request, {"detail": detail, "errors": errors or []}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tuidang"'
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"path": format_path(_request_location(tuple(e.get("loc", ())))) or "body",
         "message": type_message(e)}
        for e in exc.errors
    ]
    return error_response(request, 400, _("The request does not have the documented "
                                          "format; nothing has been stored."), errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, _("You have submitted no declaration with this "
                                          "serial."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return error_response(request, 401, _(
            "Send a valid API token: Authorization: Bearer <token>. Tokens are made on "
            "your account page; a revoked token no longer works."))
    if isinstance(exc, AuthorizationError) or exc.status_code == 403:
        return error_response(request, 403, _("Only helper accounts can use the API."))
    if exc.status_code == 400:
        if isinstance(exc.__cause__, RequestDataTooBig):
            return error_response(request, 400, _(
                "The request body is too large: at most %(size)s bytes. Send fewer "
                "declarations per request.") % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
        return error_response(request, 400, _("The request body is not valid JSON."))
    return error_response(request, exc.status_code, _("The request could not be handled."))


# --- Submitting ----------------------------------------------------------------------------

def _client_ref(item) -> tuple[str | None, list[FieldError]]:
    """The item's client_ref to echo back (None if absent or not valid), and its errors."""
    if isinstance(item, InvalidItem):
        if any(tuple(e.get("loc", ()))[:1] == ("client_ref",) for e in item.errors):
            return None, []  # already reported as a type error
        ref = item.raw.get("client_ref") if isinstance(item.raw, dict) else None
    else:
        ref = item.client_ref
    if not isinstance(ref, str):
        return None, []
    if len(ref) > MAX_CLIENT_REF:
        problem = ngettext("Use at most %(limit)s character.",
                           "Use at most %(limit)s characters.",
                           MAX_CLIENT_REF) % {"limit": MAX_CLIENT_REF}
        return None, [FieldError(("client_ref",), problem)]
    try:
        validate_plain_text(ref)
    except DjangoValidationError as exc:
        return None, [FieldError(("client_ref",), message) for message in exc.messages]
    return ref, []


def _check(item) -> tuple[str | None, Validated]:
    ref, ref_errors = _client_ref(item)
    if isinstance(item, InvalidItem):
        errors = [FieldError(tuple(e.get("loc", ())), type_message(e)) for e in item.errors]
        return ref, Validated(errors=errors + ref_errors)
    checked = validate_helper_submission(item.model_dump(exclude={"client_ref"}))
    checked.errors.extend(ref_errors)
    return ref, checked


def _store(checked: Validated, helper, hold: str) -> actions.Submitted:
    fields = checked.fields
    return actions.submit_declaration(
        checked.persons,
        channel=fields["channel"],
        helper=helper,
        statement_title=fields.get("statement_title", ""),
        statement_text=fields.get("statement_text", ""),
        contact=fields.get("contact", ""),
        notes=fields.get("notes", ""),
        intake_hold=hold,
    )


def _store_each(checked: list[tuple[str | None, Validated]], helper, hold: str) -> list[dict]:
    """Store every good item (one group commit for all), report every bad one."""
    good = [(i, c) for i, (_ref, c) in enumerate(checked) if c.ok]
    by_channel: dict[str, list[tuple[int, Validated]]] = {}
    for index, c in good:
        by_channel.setdefault(c.fields["channel"], []).append((index, c))
    stored: dict[int, actions.Submitted] = {}
    for channel, group in by_channel.items():
        outcomes = groupcommit.submit_many(
            [_declaration_data(c, hold) for _i, c in group], channel=channel, helper=helper)
        for (index, c), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, ValueError):
                c.errors.append(_not_stored())
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                stored[index] = outcome
    return [
        _accepted(index, ref, stored[index]) if index in stored
        else {"index": index, "ok": False, "client_ref": ref,
              "errors": _errors_out(index, c.errors)}
        for index, (ref, c) in enumerate(checked)
    ]


def _declaration_data(checked: Validated, hold: str) -> actions.DeclarationData:
    fields = checked.fields
    return actions.DeclarationData(
        checked.persons,
        statement_title=fields.get("statement_title", ""),
        statement_text=fields.get("statement_text", ""),
        contact=fields.get("contact", ""),
        notes=fields.get("notes", ""),
        intake_hold=hold,
    )


def _errors_out(index: int, errors: list[FieldError]) -> list[dict]:
    return [{"path": format_path(("declarations", index, *e.path)), "message": e.message}
            for e in errors]


def _accepted(index: int, ref: str | None, submitted: actions.Submitted) -> dict:
    return {"index": index, "ok": True, "serial": submitted.declaration.pk,
            "receipt_code": submitted.receipt_code,
            "status": submitted.declaration.public_status, "client_ref": ref}


def _not_stored() -> FieldError:
    return FieldError((), _("This declaration could not be stored."))


class _RollBack(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


@api.post("/declarations", response={200: BatchOut, **ERRORS}, summary="Submit declarations",
          description=f"1 to {MAX_BATCH} declarations. atomic=false stores each good item "
                      "and reports each bad one by position (200); atomic=true stores all "
                      "or none (400 with every error).")
def submit_declarations(request: HttpRequest, payload: BatchIn):
    helper = request.auth
    # Helpers pass no proof of work and no per-address limit, but the surge switch holds
    # their declarations like everyone's.
    hold = HOLD_SURGE if SurgeSetting.current() == SurgeMode.HOLD_ALL else ""
    checked = [_check(item) for item in payload.declarations]
    if payload.atomic:
        errors = [e for i, (_ref, c) in enumerate(checked) for e in _errors_out(i, c.errors)]
        if errors:
            return Status(400, {"detail": _("Some declarations are not valid; none has been "
                                            "stored."), "errors": errors})
        try:
            with transaction.atomic():
                stored = []
                for index, (_ref, c) in enumerate(checked):
                    try:
                        stored.append(_store(c, helper, hold))
                    except ValueError:
                        raise _RollBack(index) from None
        except _RollBack as failed:
            return Status(400, {"detail": _("Some declarations are not valid; none has been "
                                            "stored."),
                                "errors": _errors_out(failed.index, [_not_stored()])})
        results = [_accepted(i, ref, s)
                   for i, ((ref, _c), s) in enumerate(zip(checked, stored, strict=True))]
    else:
        results = _store_each(checked, helper, hold)
    accepted = sum(1 for r in results if r["ok"])
    return Status(200, {"accepted": accepted, "rejected": len(results) - accepted,
                        "results": results})


# --- Reading back --------------------------------------------------------------------------

def _out(declaration: Declaration) -> dict:
    return {
        "serial": declaration.pk,
        "date": declaration.received_on,
        "channel": declaration.channel,
        "status": declaration.public_status,
        "persons": [{"display_name": p.display_name, "organizations": p.organizations()}
                    for p in declaration.persons],
        "log_index": declaration.log_index,
    }


@api.get("/declarations", response={200: DeclarationPage, **ERRORS},
         summary="List your submissions", description="Newest first; keyset pagination.")
def list_declarations(request: HttpRequest, params: Query[PageQuery]):
    mine = Declaration.objects.filter(helper=request.auth)
    if params.before is not None:
        mine = mine.filter(id__lt=params.before)
    rows = list(mine.order_by("-id")[: params.limit + 1])
    page = rows[: params.limit]
    return Status(200, {
        "declarations": [_out(d) for d in page],
        "next_before": page[-1].pk if len(rows) > params.limit else None,
    })


@api.get("/declarations/{str:serial}", response={200: DeclarationOut, 404: ErrorOut, **ERRORS},
         summary="One of your submissions")
def get_declaration(request: HttpRequest, serial: int = Path(..., ge=1, le=MAX_SERIAL)):
    declaration = (
        Declaration.objects.filter(helper=request.auth, pk=serial)
        .first()
    )
    if declaration is None:
        raise Http404  # also for others' serials: existence is not revealed
    return Status(200, _out(declaration))
