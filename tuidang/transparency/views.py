"""The log's static read path: checkpoint, hash tiles, entry bundles, verifier key."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from tuidang.tlog import tiles as tlog_tiles
from tuidang.transparency import keys, storage

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
    signed = storage.signed_checkpoint()
    if not signed:
        raise Http404("the log has no checkpoint yet")
    return _response(signed, TEXT, "public, max-age=2")


@require_safe
def verifier_key(request: HttpRequest) -> HttpResponse:
    return _response((keys.verifier_key() + "\n").encode(), TEXT, "public, max-age=3600")


@require_safe
def tile(request: HttpRequest, tile_path: str) -> HttpResponse:
    try:
        ref = tlog_tiles.parse_tile_path("tile/" + tile_path)
    except ValueError:
        raise Http404("not a tile path") from None
    size = storage.state().size if ref.is_entries else None
    if ref.is_entries:
        # Serve only entries that the current checkpoint covers.
        if ref.index * tlog_tiles.TILE_WIDTH + ref.width > size:
            raise Http404("no such tile")
        body = storage.entry_bundle(ref.index, ref.width)
    else:
        body = tlog_tiles.tile_data_for(ref, storage.read_tile)
        if body is None:
            raise Http404("no such tile")
    return _response(body, BINARY, IMMUTABLE)
