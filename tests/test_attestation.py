"""The attestation a declarant can show: from the receipt, one bilingual page with the
number, day, names, organizations, log index, the signed checkpoint and a QR code of the
public page; nothing private; a plain 'not yet' before the batch."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import declaration_post, declare, person_fields, receipt_code
from tuidang.public.attestation import qr_svg
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.models import Declaration, Revocation
from tuidang.transparency import proofs, sequencer

pytestmark = pytest.mark.django_db

PRIVATE = {"private_real_name": "真名不公开", "birth_year": "1971"}
SEALED = {"contact": "secret-contact@example.org", "notes": "私人备注内容"}


def attest(client: Client, code: str, lang: str = "zh-hans"):
    return client.post(f"/{lang}/receipt/attestation/", {"code": code})


def private_declaration(client: Client) -> str:
    data = declaration_post(
        person_fields(0, "李化名", ["party", "league"], **PRIVATE),
        person_fields(1, "小红", ["pioneers"]), **SEALED)
    return receipt_code(client.post("/zh-hans/declare/", data))


def test_it_attests_a_published_declaration_in_chinese_and_english(client):
    code = private_declaration(client)
    sequencer.drain()
    declaration = Declaration.objects.get()
    response = attest(Client(), code)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="serial">№ {declaration.pk}<' in html
    assert f'id="log-index">{declaration.log_index}<' in html
    assert declaration.received_on.isoformat() in html
    assert "李化名" in html and "小红" in html
    assert "中国共产党" in html and "Chinese Communist Party" in html
    assert "少先队" in html and "Young Pioneers" in html
    checkpoint = proofs.checkpoint_for(declaration.log_index).decode()
    assert checkpoint.split("\n")[0] in html and checkpoint.split("\n")[2] in html
    page = f"{settings.SITE_URL}/zh-hans/statements/{declaration.pk}/"
    assert qr_svg(page) in html and f"<figcaption>{page}</figcaption>" in html
    assert "不是任何人身份" in html or "不证明" in html
    assert "not who anyone is" in html
    for secret in [*PRIVATE.values(), *SEALED.values()]:
        assert secret not in html
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "<script" not in html and "style=" not in html


def test_the_qr_code_leads_to_a_public_page_that_shows_the_entry(client):
    code = receipt_code(declare(client, "王五"))
    sequencer.drain()
    declaration = Declaration.objects.get()
    html = attest(Client(), code).content.decode()
    assert f"/zh-hans/statements/{declaration.pk}/" in html
    public = client.get(f"/zh-hans/statements/{declaration.pk}/").content.decode()
    assert "王五" in public and str(declaration.log_index) in public


def test_it_is_in_traditional_chinese_for_a_traditional_reader(client):
    code = receipt_code(declare(client, "王五"))
    sequencer.drain()
    html = attest(Client(), code, "zh-hant").content.decode()
    assert "中國共產黨" in html and 'lang="zh-hant"' in html
    assert "/zh-hant/statements/" in html


def test_it_says_when_a_declaration_not_yet_published_will_be(client, settings):
    settings.PUBLISH_INTERVAL = 600
    code = receipt_code(declare(client, "赵六"))
    html = attest(Client(), code).content.decode()
    assert 'id="not-published"' in html and "10 分钟" in html and "10 minutes" in html
    assert "<svg" not in html and 'id="log-index"' not in html


def test_it_says_a_held_declaration_waits_for_a_moderator(client):
    declare(client, "张三")
    code = receipt_code(declare(client, "张三"))
    sequencer.drain()
    html = attest(Client(), code).content.decode()
    assert 'id="not-published"' in html and "moderator" in html and "<svg" not in html


def test_it_attests_nothing_for_a_revoked_declaration(client):
    code = receipt_code(declare(client, "张三"))
    sequencer.drain()
    revoke_declaration(Declaration.objects.get(), Revocation.Reason.RETRACTED)
    html = attest(Client(), code).content.decode()
    assert "nothing to attest" in html and "<svg" not in html


def test_it_needs_the_code(client):
    assert attest(client, "AAAA-BBBB-CCCC-DDDD-EEEE").status_code == 404
    assert client.get("/zh-hans/receipt/attestation/").status_code == 405
    assert client.put("/zh-hans/receipt/attestation/").status_code == 405


def test_the_receipt_pages_offer_it(client):
    response = declare(client, "王五", lang="zh-hans")
    code = receipt_code(response)
    assert 'action="/zh-hans/receipt/attestation/"' in response.content.decode()
    sequencer.drain()
    html = client.post("/zh-hans/receipt/", {"code": code}).content.decode()
    assert 'id="attestation-button"' in html
