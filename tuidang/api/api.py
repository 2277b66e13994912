"""The helpers' JSON API, /api/v1/ (django-ninja). See docs/api.md.

Every error is JSON: {"detail": …, "errors": [{"path": …, "message": …}]}, in the
language of Accept-Language (zh-hans by default; LocaleMiddleware activates it).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer

from tuidang.accounts.access import is_helper
from tuidang.api import tokens
from tuidang.api.schemas import (
    MAX_BATCH,
    MAX_SERIAL,
    BatchIn,
    BatchOut,
    DeclarationOut,
    DeclarationPage,
    ErrorOut,
    InvalidItem,
    PageQuery,
)
from tuidang.intake import service as intake
from tuidang.intake.actions import Submitted
from tuidang.protection.gate import HOLD_SURGE
from tuidang.protection.models import SurgeMode, SurgeSetting
from tuidang.registry import schema
from tuidang.registry.models import Declaration
from tuidang.registry.schema_messages import message


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
         "message": message(e)}
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

def _client_ref(item) -> str | None:
    """The item's client_ref to echo back: None if absent or refused."""
    if not isinstance(item, InvalidItem):
        return item.client_ref
    if any(tuple(e.get("loc", ()))[:1] == ("client_ref",) for e in item.errors):
        return None
    ref = item.raw.get("client_ref") if isinstance(item.raw, dict) else None
    return ref if isinstance(ref, str) else None


def check(item) -> tuple[str | None, schema.Checked]:
    if isinstance(item, InvalidItem):
        return _client_ref(item), schema.Checked(errors=[
            schema.FieldError(schema.field_path(tuple(e.get("loc", ()))), message(e))
            for e in item.errors])
    return item.client_ref, schema.Checked(schema.data_of(item), item.channel)


def _by_channel(checked: list[tuple[str | None, schema.Checked]]) -> dict[str, list[int]]:
    """The positions of the good items, by channel (intake takes one channel a call)."""
    by_channel: dict[str, list[int]] = {}
    for index, (_ref, c) in enumerate(checked):
        if c.ok:
            by_channel.setdefault(c.channel, []).append(index)
    return by_channel


def receive_all(checked: list[tuple[str | None, schema.Checked]], helper, hold: str
                ) -> list[Submitted]:
    """Store every item in one transaction, or none (intake.NotStored)."""
    stored: dict[int, Submitted] = {}
    with transaction.atomic():
        for channel, indices in _by_channel(checked).items():
            try:
                outcomes = intake.receive_many([checked[i][1].data for i in indices],
                                               channel=channel, helper=helper, hold=hold,
                                               atomic=True)
            except intake.NotStored as refused:
                raise intake.NotStored(indices[refused.index], refused.error) from None
            stored.update(zip(indices, outcomes, strict=True))
    return [stored[i] for i in range(len(checked))]


def receive_each(checked: list[tuple[str | None, schema.Checked]], helper, hold: str
                 ) -> list[dict]:
    """Store every good item (sharing group commits), report every bad one."""
    stored: dict[int, Submitted] = {}
    for channel, indices in _by_channel(checked).items():
        outcomes = intake.receive_many([checked[i][1].data for i in indices],
                                       channel=channel, helper=helper, hold=hold)
        for index, outcome in zip(indices, outcomes, strict=True):
            if isinstance(outcome, ValueError):
                checked[index][1].errors.append(_not_stored())
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


def _errors_out(index: int, errors: list[schema.FieldError]) -> list[dict]:
    return [{"path": format_path(("declarations", index, *e.path)), "message": e.message}
            for e in errors]


def _accepted(index: int, ref: str | None, submitted: Submitted) -> dict:
    return {"index": index, "ok": True, "serial": submitted.declaration.pk,
            "receipt_code": submitted.receipt_code,
            "status": submitted.declaration.public_status, "client_ref": ref}


def _not_stored() -> schema.FieldError:
    return schema.FieldError((), _("This declaration could not be stored."))


def batch_answer(results: list[dict]) -> dict:
    accepted = sum(1 for r in results if r["ok"])
    return {"accepted": accepted, "rejected": len(results) - accepted, "results": results}


def surge_hold() -> str:
    """Helpers pass no proof of work and no per-address limit, but the surge switch holds
    their declarations like everyone's."""
    return HOLD_SURGE if SurgeSetting.current() == SurgeMode.HOLD_ALL else ""


@api.post("/declarations", response={200: BatchOut, **ERRORS}, summary="Submit declarations",
          description=f"1 to {MAX_BATCH} declarations. atomic=false stores each good item "
                      "and reports each bad one by position (200); atomic=true stores all "
                      "or none (400 with every error).")
def submit_declarations(request: HttpRequest, payload: BatchIn):
    helper, hold = request.auth, surge_hold()
    checked = [check(item) for item in payload.declarations]
    if payload.atomic:
        errors = [e for i, (_ref, c) in enumerate(checked) for e in _errors_out(i, c.errors)]
        if not errors:
            try:
                stored = receive_all(checked, helper, hold)
            except intake.NotStored as refused:
                errors = _errors_out(refused.index, [_not_stored()])
        if errors:
            return Status(400, {"detail": _("Some declarations are not valid; none has been "
                                            "stored."), "errors": errors})
        results = [_accepted(i, ref, s)
                   for i, ((ref, _c), s) in enumerate(zip(checked, stored, strict=True))]
    else:
        results = receive_each(checked, helper, hold)
    return Status(200, batch_answer(results))


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
