"""Fuzz every operation of the published OpenAPI document (docs/openapi.json, built from the resolvers), on
each platform shape, with and without the app token: whatever a client sends, it must never meet a 5xx, a
redirect, an error off the shape, or an error code the document does not list for that route."""

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import response_schema_conformance

from deploy.openapi import DOCUMENT_PATH
from faceid_relay.settings import DEFAULT_MAX_BODY_BYTES as MAX_BODY_BYTES
from localcloud.gateway import ROUTES
from tests.hardening.harness import FIGURES, assert_error
from tests.integration.relay import Relay

DOCUMENT = json.loads(DOCUMENT_PATH.read_text())
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = sorted((path, method.upper()) for path, ops in DOCUMENT["paths"].items() for method in ops)
# The browser's callback takes no app token; every other route refuses a request without it.
NO_APP_TOKEN = {("/callback", "GET")}
SHAPES = ["scf-url", "scf-apigw", "lambda-v1", "lambda-v2"]
EXAMPLES = 50
EXAMPLES_PER_WRONG_TOKEN = 10
CASES = [
    pytest.param(path, method, mode, id=f"{method} {path} {mode.value}")
    for path, method in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
]
WRONG_AUTHORIZATION: dict[str, Callable[[str], str | None]] = {
    "none": lambda token: None,
    "other token": lambda token: "Bearer wrong-token-000000000000000000000000",
    "basic scheme": lambda token: f"Basic {token}",
    "token prefix": lambda token: f"Bearer {token[:-1]}",
    "token with suffix": lambda token: f"Bearer {token}0",
}
HEALTH_CHECKS_OFF = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


@pytest.fixture(scope="module", params=SHAPES)
def relay(request: pytest.FixtureRequest, make_stack: Callable[..., Relay]) -> Relay:
    return make_stack("--shape", request.param)


def test_the_document_covers_every_route_the_gateway_serves() -> None:
    served = {(route.path, route.method) for route in ROUTES}

    assert set(OPERATIONS) == served


# Routes that read a JSON body (cancel and redact take none, so whatever is sent is not read).
BODY_ROUTES = sorted(path for path, ops in DOCUMENT["paths"].items() if "requestBody" in ops.get("post", {}))


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_body_that_is_not_utf8_is_refused_as_invalid_json(relay: Relay, path: str) -> None:
    """Found by the fuzzer: platforms that pass such a body base64-encoded (isBase64Encoded) must not turn
    it into a 500."""
    answer = requests.post(
        f"{relay.base}{path}",
        data=b'{"purpose": "\xff"}',
        headers={**relay.auth, "Content-Type": "application/json"},
        timeout=30,
    )

    assert_error(answer, 400, "InvalidRequest")
    assert answer.json()["field"] == "body"


# Bodies that once answered 500 InternalError with a traceback in the log (RecursionError; Python's
# int-string limit), and bodies over the size limit; `{field}` is a field the route takes.
HOSTILE_BODIES: dict[str, Callable[[str], bytes]] = {
    "1,000 nested objects": lambda field: b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "100,000 nested arrays": lambda field: b"[" * 100_000 + b"]" * 100_000,
    "nesting just over the limit": lambda field: b'{"a":' * 17 + b"1" + b"}" * 17,
    "5,000-digit number in a field": lambda field: f'{{"{field}": {"9" * 5000}}}'.encode(),
    "5,000-digit negative number in a field": lambda field: f'{{"{field}": -{"1" * 5000}}}'.encode(),
    "5,000-digit number nested": lambda field: f'{{"{field}": [{"7" * 5000}]}}'.encode(),
    "over the body size limit": lambda field: f'{{"{field}": "{"x" * (MAX_BODY_BYTES + 1)}"}}'.encode(),
    "a megabyte of spaces": lambda field: b" " * 1_048_576 + b"{}",
}
# One field each route's model really has, so a long number meets the model, not only the parser.
BODY_FIELD = {"/uploads": "size", "/sequences": "securityLevel", "/liveness-comparisons": "imageKey"}


@pytest.mark.parametrize("name", HOSTILE_BODIES, ids=HOSTILE_BODIES.keys())
@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_hostile_body_is_refused_with_the_error_shape_and_no_traceback(
    relay: Relay, path: str, name: str
) -> None:
    logged = relay.stack.log_path.stat().st_size
    body = HOSTILE_BODIES[name](BODY_FIELD.get(path, "returnUrl"))

    answer = requests.post(
        f"{relay.base}{path}",
        data=body,
        headers={**relay.auth, "Content-Type": "application/json"},
        timeout=60,
    )

    assert_error(answer)
    assert answer.status_code in (400, 413), answer.text
    assert answer.json().get("field") in ("body", BODY_FIELD.get(path, "returnUrl")), answer.text
    with relay.stack.log_path.open("rb") as log:
        log.seek(logged)
        assert b"Traceback" not in log.read()
    FIGURES["hostile bodies tried"] += 1


def check_answer(case: schemathesis.Case[Any], answer: requests.Response, authorized: bool) -> None:
    """What any answer must be: below 500, never a redirect (the fuzzer holds no issued BizToken), a 2xx
    as the document describes it, any 4xx the error shape; without the app token, exactly 401."""
    context = case.as_curl_command()
    assert answer.status_code < 500, f"{context}\n-> {answer.status_code} {answer.text[:500]}"
    assert not 300 <= answer.status_code < 400, (
        f"{context}\n-> redirected to {answer.headers.get('Location')}"
    )
    if answer.status_code >= 400:
        assert_error(answer)
        documented = case.operation.definition.raw["responses"].get(str(answer.status_code), {})
        codes = documented.get("content", {}).get("application/json", {}).get("examples", {})
        assert answer.json()["code"] in codes, f"{context}\n-> {answer.status_code} {answer.text[:300]}"
    else:
        case.validate_response(answer, checks=[response_schema_conformance])
    if not authorized:
        assert_error(answer, 401, "Unauthorized")
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def fuzz(
    relay: Relay, path: str, method: str, mode: GenerationMode, authorization: str | None, examples: int
) -> int:
    """Send `examples` generated requests; returns how many went out."""
    sent = 0
    authorized = authorization == f"Bearer {relay.stack.app_token}" or (path, method) in NO_APP_TOKEN
    headers = {"Authorization": authorization} if authorization is not None else {}

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=HEALTH_CHECKS_OFF)
    @given(case=SCHEMA[path][method].as_strategy(mode))
    def send(case: schemathesis.Case[Any]) -> None:
        nonlocal sent
        request = case.as_transport_kwargs(base_url=relay.base, headers=headers)
        answer = requests.request(**request, allow_redirects=False, timeout=60)
        sent += 1
        FIGURES["requests fuzzed (OpenAPI)"] += 1
        check_answer(case, answer, authorized)

    send()
    return sent


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_generated_requests_with_the_app_token_get_a_documented_answer(
    relay: Relay, path: str, method: str, mode: GenerationMode
) -> None:
    sent = fuzz(relay, path, method, mode, f"Bearer {relay.stack.app_token}", EXAMPLES)

    assert sent >= EXAMPLES // 2


@pytest.mark.parametrize("authorization", WRONG_AUTHORIZATION.values(), ids=WRONG_AUTHORIZATION.keys())
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_generated_requests_without_the_app_token_are_refused_before_validation(
    relay: Relay, path: str, method: str, authorization: Callable[[str], str | None]
) -> None:
    sent = fuzz(
        relay,
        path,
        method,
        GenerationMode.POSITIVE,
        authorization(relay.stack.app_token),
        EXAMPLES_PER_WRONG_TOKEN,
    )

    assert sent >= EXAMPLES_PER_WRONG_TOKEN // 2
