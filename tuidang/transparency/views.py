"""The log's static read path: checkpoint (with its witnesses' cosignatures), hash tiles,
entry bundles, verifier key, and the policy the site recommends for checking it."""

import contextlib

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from tuidang.tlog import tiles as tlog_tiles
from tuidang.transparency import archive, keys, storage, witnesses

TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"


def _response(body: bytes, content_type: str, cache: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = cache
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    signed = witnesses.published_checkpoint()
    if not signed:
        raise Http404("the log has no checkpoint yet")
    return _response(signed, TEXT, "public, max-age=2")


@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    return _response(witnesses.published_policy().encode(), TEXT, "public, max-age=3600")


@require_safe
def verifier_key(request: HttpRequest) -> HttpResponse:
    return _response((keys.log_key() + "\n").encode(), TEXT, "public, max-age=3600")


@require_safe
def tile(request: HttpRequest, tile_path: str) -> HttpResponse:
    try:
        ref = tlog_tiles.parse_tile_path("tile/" + tile_path)
    except ValueError:
        raise Http404("not a tile path") from None
    # Another machine fetching an archived bundle from nginx, which passed it on here:
    # read our own archive only, never fetch in turn (archive.py).
    fetched = archive.FETCH_HEADER in request.headers
    with archive.local_only() if fetched else contextlib.nullcontext():
        try:
            body = _tile_body(ref)
        except archive.ArchiveError:
            if fetched:
                raise Http404("not in this machine's archive") from None
            # Missing, or taken out of service for failing its check (archive.py): for
            # now, and never cached, so a good copy put back is served at once.
            response = _response(b"this part of the log is temporarily unavailable\n",
                                 TEXT, "no-store")
            response.status_code = 503
            return response
    return _response(body, BINARY, IMMUTABLE)


def _tile_body(ref: tlog_tiles.TileRef) -> bytes:
    # Only tiles the current tree covers are looked for: a path may name any number
    # (x999/x999/… is canonical), and one past the database's integers must be a 404.
    size = storage.size()
    if ref.is_entries:
        if ref.index * tlog_tiles.TILE_WIDTH + ref.width > size:
            raise Http404("no such tile")
        return storage.entry_bundle(ref.index, ref.width)
    if tlog_tiles.tile_width(size, ref.level, ref.index) < ref.width:
        raise Http404("no such tile")
    body = tlog_tiles.tile_data_for(ref, storage.read_tile)
    if body is None:
        raise Http404("no such tile")
    return body
