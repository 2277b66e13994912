"""The log's read path over HTTP: checkpoint, tiles, entry bundles, key, content types."""

import pytest

from tests.factories import declare
from tuidang.tlog import tiles
from tuidang.tlog.bundle import decode_bundle
from tuidang.tlog.checkpoint import open_checkpoint
from tuidang.tlog.entry import parse_entry
from tuidang.tlog.hashing import leaf_hash, root_from_leaf_hashes
from tuidang.tlog.note import Verifier
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def make_log(client, count: int) -> None:
    for i in range(count):
        declare(client, f"人{i}")
        if i % 97 == 0:
            sequencer.drain()  # several batches, so tiles grow in place
    sequencer.drain()


def test_it_serves_a_signed_checkpoint(client):
    make_log(client, 3)
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age" in response["Cache-Control"]
    key = client.get("/log/key").content.decode().strip()
    checkpoint, _ = open_checkpoint(response.content, Verifier.from_key_string(key))
    assert checkpoint.size == 3
    assert checkpoint.origin == "test.tuidang.example/log"


def test_every_tile_of_the_checkpoint_is_served_and_adds_up_to_the_root(client):
    make_log(client, 300)
    key = Verifier.from_key_string(client.get("/log/key").content.decode().strip())
    checkpoint, _ = open_checkpoint(client.get("/log/checkpoint").content, key)
    assert checkpoint.size == 300
    leaves = []
    for ref in tiles.entry_bundles_for_size(300):
        response = client.get("/log/" + ref.path())
        assert response.status_code == 200, ref.path()
        assert response["Content-Type"] == "application/octet-stream"
        assert "immutable" in response["Cache-Control"]
        entries = decode_bundle(response.content)
        assert len(entries) == ref.width
        for entry in entries:
            parse_entry(entry)
            leaves.append(leaf_hash(entry))
    assert root_from_leaf_hashes(leaves) == checkpoint.root_hash
    for ref in tiles.tiles_for_size(300):
        response = client.get("/log/" + ref.path())
        assert response.status_code == 200, ref.path()
        assert len(response.content) == 32 * ref.width
    level0 = client.get("/log/tile/0/000").content
    assert level0 == b"".join(leaves[:256])


def test_a_narrower_partial_tile_is_a_prefix_of_the_wider_one(client):
    make_log(client, 10)
    wide = client.get("/log/tile/0/000.p/10").content
    assert client.get("/log/tile/0/000.p/4").content == wide[: 4 * 32]


def test_it_answers_404_for_tiles_it_does_not_have(client):
    make_log(client, 3)
    for path in ["tile/0/000.p/4", "tile/0/001", "tile/1/000", "tile/entries/000.p/4",
                 "tile/entries/000", "tile/0/0", "tile/0/000.p/256", "tile/x/000", "nothing"]:
        assert client.get("/log/" + path).status_code == 404, path


def test_the_log_read_path_refuses_post(client):
    make_log(client, 1)
    for path in ["checkpoint", "key", "policy", "tile/0/000.p/1"]:
        assert client.post("/log/" + path).status_code == 405


def test_the_key_is_the_published_verifier_key(client):
    key = client.get("/log/key").content.decode().strip()
    name, key_id, _ = key.split("+", 2)
    assert name == "test.tuidang.example/log"
    assert len(key_id) == 8


def test_the_home_page_links_to_verification_which_shows_the_checkpoint(client):
    make_log(client, 2)
    html = client.get("/en/").content.decode()
    # The raw checkpoint is for specialists: on /verify/, not on the home page.
    assert "test.tuidang.example/log\n2\n" not in html
    assert "/en/verify/" in html
    verify = client.get("/en/verify/").content.decode()
    assert "test.tuidang.example/log\n2\n" in verify
    assert client.get("/log/key").content.decode().strip() in verify
    assert "the signed log holds 2 entries" in verify and "pip install --no-deps ." in verify


def test_level_0_tiles_are_computed_from_the_entry_bundles_not_stored(client):
    from tuidang.transparency.models import Tile

    make_log(client, 300)
    assert not Tile.objects.filter(level=0).exists()
    assert Tile.objects.filter(level=1).count() == 1
    leaves = [leaf_hash(e) for e in decode_bundle(client.get("/log/tile/entries/001.p/44").content)]
    assert client.get("/log/tile/0/001.p/44").content == b"".join(leaves)
