"""Schemathesis generates requests from /api/v1/openapi.json and sends them to the Django
WSGI application with a valid helper token: no server error, and every response (status,
content type, headers, body) matches the document."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tuidang.api import tokens
from tuidang.registry.models import Declaration
from tuidang.wsgi import application

# Per operation and mode; three operations, both modes: a few hundred cases in all.
EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection(db, keep_the_test_connection):
    pass


@pytest.fixture
def token(alice) -> str:
    return tokens.create_token(alice, "schemathesis").secret


# Loaded when the module is collected (the OpenAPI view needs no database). schemathesis'
# lazy loader (from_fixture) does not work with pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES,
    database="none",
)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_it_answers_every_generated_request_as_documented(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_it_stored_something_when_run_with_valid_declarations(client, alice):
    # A control for the run above: a schema-valid body is really accepted (the generated
    # cases are not all rejected for a reason the document does not tell).
    import json

    secret = tokens.create_token(alice, "control").secret
    body = {"declarations": [{"persons": [{"display_name": "甲", "organizations": ["party"]}],
                              "channel": "hotline", "consent": True}]}
    response = client.post("/api/v1/declarations", json.dumps(body),
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.json()["accepted"] == 1
    assert Declaration.objects.count() == 1
