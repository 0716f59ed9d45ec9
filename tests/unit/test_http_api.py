"""The shared HTTP edge: a tiny app with the real routes' shapes answers every platform's sample events,
and every failure reaches the client as `{code, message, field?}` JSON."""

import base64
import json
from typing import Annotated, Any
from urllib.parse import urlencode

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr
from pydantic.alias_generators import to_camel

from faceid_relay.errors import InvalidRequest, RateLimited
from faceid_relay.http_api import (
    MAX_JSON_DEPTH,
    MAX_JSON_INTEGER_DIGITS,
    create_resolver,
    http_handler,
    parse_json_body,
)
from faceid_relay.platform.http import EventShape

APP_TOKEN = "local-dev-app-token-000000000000000000"
BIZ_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
BIZ_TOKEN_PATTERN = r"^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$"
RETURN_URL = "https://app.example.com/kyc/done"
SHAPES = list(EventShape)


class VerificationRequest(BaseModel):
    """Shaped like token issuance's request: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)

    compare_image_key: str = Field(pattern=r"^uploads/compare-image/[0-9a-f]{32}$")
    return_url: HttpUrl
    reference: str = Field(max_length=64)


def tiny_app(captured_logger, **options: Any) -> APIGatewayHttpResolver:
    """POST with a pydantic body, GET with a path parameter, GET with a query parameter (no token)."""
    app = create_resolver(logger=captured_logger.logger, **options)

    @app.post("/verifications")
    def issue(request: VerificationRequest) -> dict[str, str]:
        captured_logger.logger.info("issuing")
        return {"bizToken": BIZ_TOKEN, "reference": request.reference}

    @app.get("/verifications/<bizToken>")
    def read(biz_token: Annotated[str, Path(alias="bizToken", pattern=BIZ_TOKEN_PATTERN)]) -> dict[str, str]:
        return {"bizToken": biz_token}

    @app.get("/callback")
    def callback(token: Annotated[str, Query(pattern=BIZ_TOKEN_PATTERN)]) -> Response[None]:
        return Response(status_code=302, headers={"Location": f"{RETURN_URL}?token={token}"})

    return app


@pytest.fixture
def invoke(captured_logger, context_for):
    """Call the tiny app's entry point with a sample event, its platform's context and a parsed body."""

    def call(event: Any, shape: str, **options: Any) -> dict[str, Any]:
        # As deployed: the callback is its own function, without the app token; the others need it.
        token = None if "/callback" in json.dumps(event) else APP_TOKEN
        handler = http_handler(tiny_app(captured_logger, **options), captured_logger.logger, app_token=token)
        response = handler(event, context_for(shape))
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response

    return call


def without_header(event: dict[str, Any], name: str) -> dict[str, Any]:
    for field in ("headers", "multiValueHeaders"):
        if event.get(field):
            event[field] = {k: v for k, v in event[field].items() if k.lower() != name.lower()}
    return event


def with_header(event: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    without_header(event, name)["headers"][name] = value
    if event.get("multiValueHeaders"):
        event["multiValueHeaders"][name] = [value]
    return event


def with_query(event: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """Replace the query in whichever fields the event's platform uses."""
    for field in ("queryString", "queryStringParameters"):
        if field in event:
            event[field] = dict(query)
    if "multiValueQueryStringParameters" in event:
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if "rawQueryString" in event:
        event["rawQueryString"] = urlencode(query)
    return event


def with_method(event: dict[str, Any], method: str) -> dict[str, Any]:
    if "requestContext" in event and "http" in event["requestContext"]:
        event["requestContext"]["http"]["method"] = method
    else:
        event["httpMethod"] = method
    return event


def assert_shape_for_platform(response: dict[str, Any], shape: EventShape) -> None:
    """SCF reads `headers` only, with single values; REST has no `cookies`; v2 and URLs keep both."""
    assert all(isinstance(value, str) for value in response["headers"].values())
    assert "multiValueHeaders" not in response
    assert ("cookies" in response) is (shape in (EventShape.LAMBDA_V2, EventShape.LAMBDA_URL))


def test_every_sample_event_is_served_through_the_entry_point(
    http_event_name, load_event, context_for, captured_logger
):
    function, shape = http_event_name.split(".")
    app = create_resolver()

    @app.post("/<collection>")
    def post(collection: str) -> dict[str, Any]:
        return {"route": f"POST /{collection}", "body": app.current_event.json_body}

    @app.get("/callback")
    def callback() -> dict[str, Any]:
        return {"route": "GET /callback", "query": app.current_event.query_string_parameters}

    @app.get("/verifications/<token>")
    def read(token: str) -> dict[str, Any]:
        return {"route": "GET /verifications/{bizToken}", "token": token}

    @app.post("/verifications/<token>/<change>")
    def change(token: str, change: str) -> dict[str, Any]:
        return {"route": f"POST /verifications/{{bizToken}}/{change}", "body": app.current_event.json_body}

    event = load_event(http_event_name)
    handler = http_handler(app, captured_logger.logger)

    response = handler(event, context_for(shape))

    assert response["statusCode"] == 200, response["body"]
    assert_shape_for_platform(response, EventShape(shape))
    answer = json.loads(response["body"])
    if event.get("body"):
        assert answer["body"] == json.loads(event["body"])
    if function == "redirect_callback":
        assert answer["query"] == {"token": BIZ_TOKEN}
    if function == "result_read":
        assert answer["token"] == BIZ_TOKEN


@pytest.mark.parametrize("shape", SHAPES)
def test_a_valid_post_body_is_answered_on_every_platform(shape, load_event, invoke):
    response = invoke(load_event(f"token_issuance.{shape}"), shape)

    assert response["statusCode"] == 200
    assert response["json"] == {"bizToken": BIZ_TOKEN, "reference": "order-1234"}
    assert response["headers"]["Content-Type"] == "application/json"
    assert_shape_for_platform(response, shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_path_parameter_is_read_on_every_platform(shape, load_event, invoke):
    response = invoke(load_event(f"result_read.{shape}"), shape)

    assert (response["statusCode"], response["json"]) == (200, {"bizToken": BIZ_TOKEN})


@pytest.mark.parametrize("shape", SHAPES)
def test_a_redirect_keeps_its_location_on_every_platform(shape, load_event, invoke):
    response = invoke(load_event(f"redirect_callback.{shape}"), shape)

    assert response["statusCode"] == 302
    assert response["headers"]["Location"] == f"{RETURN_URL}?token={BIZ_TOKEN}"
    assert_shape_for_platform(response, shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_missing_body_field_is_named_as_the_client_spelled_it(shape, load_event, invoke):
    event = load_event(f"token_issuance.{shape}")
    body = json.loads(event["body"])
    del body["returnUrl"]
    event["body"] = json.dumps(body)

    response = invoke(event, shape)

    assert response["statusCode"] == 400
    assert response["json"] == {
        "code": "InvalidRequest",
        "message": "returnUrl is required.",
        "field": "returnUrl",
    }


def test_an_invalid_value_is_explained_without_echoing_it(load_event, invoke):
    event = load_event("token_issuance.lambda-v2")
    body = json.loads(event["body"])
    body["returnUrl"] = "not a url secret-4711"
    event["body"] = json.dumps(body)

    response = invoke(event, EventShape.LAMBDA_V2)

    assert response["statusCode"] == 400
    assert response["json"]["field"] == "returnUrl"
    assert response["json"]["message"].startswith("returnUrl: Input should be a valid URL")
    assert "secret-4711" not in response["body"]


def test_every_problem_is_counted_but_the_first_is_named(load_event, invoke):
    event = load_event("token_issuance.scf-url")
    event["body"] = json.dumps({"compareImageKey": "../etc/passwd", "returnUrl": RETURN_URL})

    response = invoke(event, EventShape.SCF_URL)

    assert response["json"]["field"] == "compareImageKey"
    assert response["json"]["message"].endswith("(1 more problem in this request.)")
    assert "passwd" not in response["body"]


@pytest.mark.parametrize(
    ("body", "message"), [("{not json", "The body is not valid JSON."), ("", "A JSON body is required.")]
)
def test_a_body_that_is_not_json_is_refused(body, message, load_event, invoke):
    event = load_event("token_issuance.scf-apigw")
    event["body"] = body

    response = invoke(event, EventShape.SCF_APIGW)

    assert response["statusCode"] == 400
    assert response["json"] == {"code": "InvalidRequest", "message": message, "field": "body"}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "query.token is required."),
        ({"token": "nope"}, f"query.token: String should match pattern '{BIZ_TOKEN_PATTERN}'."),
    ],
    ids=["missing", "malformed"],
)
def test_a_bad_query_parameter_is_named_with_its_location(shape, query, message, load_event, invoke):
    event = with_query(load_event(f"redirect_callback.{shape}"), query)

    response = invoke(event, shape)

    assert response["statusCode"] == 400
    assert response["json"] == {"code": "InvalidRequest", "message": message, "field": "query.token"}


def test_a_bad_path_parameter_is_named_with_its_location(load_event, invoke):
    event = load_event("result_read.scf-url")
    event["path"] = "/verifications/not-a-token"

    response = invoke(event, EventShape.SCF_URL)

    assert (response["statusCode"], response["json"]["field"]) == (400, "path.bizToken")


def test_an_unsupported_content_type_is_refused(load_event, invoke):
    event = with_header(load_event("token_issuance.lambda-url"), "content-type", "text/plain")

    response = invoke(event, EventShape.LAMBDA_URL)

    assert response["statusCode"] == 415
    assert response["json"]["code"] == "UnsupportedContentType"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {APP_TOKEN}", f"Bearer {APP_TOKEN}é", "Bearer"],
    ids=["missing", "wrong", "other scheme", "non-ascii", "empty"],
)
def test_a_request_without_the_app_token_is_unauthorised(shape, authorization, load_event, invoke):
    event = without_header(load_event(f"token_issuance.{shape}"), "authorization")
    if authorization is not None:
        with_header(event, "Authorization", authorization)

    response = invoke(event, shape)

    assert response["statusCode"] == 401
    assert response["headers"]["WWW-Authenticate"] == "Bearer"
    assert response["json"]["code"] == "Unauthorized"


def test_the_token_scheme_is_case_insensitive_and_a_secret_str_works(
    load_event, captured_logger, context_for
):
    app = create_resolver()

    @app.get("/verifications/<token>")
    def read(token: str) -> dict[str, str]:
        return {"token": token}

    event = with_header(load_event("result_read.lambda-v1"), "Authorization", f"bearer {APP_TOKEN}")

    handler = http_handler(app, captured_logger.logger, app_token=SecretStr(APP_TOKEN))

    response = handler(event, context_for("lambda-v1"))

    assert response["statusCode"] == 200


@pytest.mark.parametrize("token", ["", SecretStr("")])
def test_an_empty_app_token_is_a_configuration_error(token):
    with pytest.raises(ValueError, match="empty"):
        http_handler(create_resolver(), Logger(service="test"), app_token=token)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_invalid_request_without_the_token_learns_nothing_of_validation(shape, load_event, invoke):
    event = without_header(load_event(f"token_issuance.{shape}"), "authorization")
    event["body"] = "{not json"

    response = invoke(event, shape)

    assert response["statusCode"] == 401
    assert response["json"]["code"] == "Unauthorized"


def test_an_unknown_route_is_a_json_404(load_event, invoke):
    response = invoke(load_event("presign_upload.lambda-v2"), EventShape.LAMBDA_V2)

    assert response["statusCode"] == 404
    assert response["json"]["code"] == "RouteNotFound"


def test_a_catalogue_error_keeps_its_status_body_and_retry_after(load_event, captured_logger, context_for):
    app = create_resolver(logger=captured_logger.logger)

    @app.post("/uploads")
    def upload() -> None:
        raise RateLimited(field="purpose", retry_after=7)

    handler = http_handler(app, captured_logger.logger)

    response = handler(load_event("presign_upload.scf-url"), context_for("scf"))

    assert response["statusCode"] == 429
    assert response["headers"]["Retry-After"] == "7"
    assert json.loads(response["body"]) == {
        "code": "RateLimited",
        "message": RateLimited.message,
        "field": "purpose",
    }


def test_an_unexpected_error_is_a_500_logged_with_its_traceback_but_not_the_event(
    load_event, captured_logger, context_for
):
    app = create_resolver(logger=captured_logger.logger)

    @app.post("/uploads")
    def upload() -> None:
        raise KeyError("bucket")

    handler = http_handler(app, captured_logger.logger)

    response = handler(load_event("presign_upload.scf-apigw"), context_for("scf"))

    assert response["statusCode"] == 500
    assert json.loads(response["body"])["code"] == "InternalError"
    (record,) = [r for r in captured_logger.records() if r["level"] == "ERROR"]
    assert "KeyError: 'bucket'" in record["exception"]
    assert APP_TOKEN not in captured_logger.stream.getvalue()


def test_a_route_answering_outside_its_contract_is_our_500_not_the_clients_400(
    load_event, captured_logger, context_for
):
    app = create_resolver(logger=captured_logger.logger)

    @app.post("/uploads")
    def upload() -> VerificationRequest:
        return {"unexpected": "shape"}  # type: ignore[return-value]

    handler = http_handler(app, captured_logger.logger)

    response = handler(load_event("presign_upload.lambda-v1"), context_for("lambda"))

    assert response["statusCode"] == 500
    assert json.loads(response["body"])["code"] == "InternalError"


@pytest.mark.parametrize(
    "name", ["hash_on_upload.scf-cos", "hash_on_upload.scf-cos-encoded-keys"], ids=["cos", "cos, two records"]
)
def test_a_non_http_event_is_answered_400_not_a_crash(name, load_event, invoke):
    response = invoke(load_event(name), "scf")

    assert response["statusCode"] == 400
    assert response["json"]["code"] == "UnsupportedEvent"
    assert response["headers"] == {"Content-Type": "application/json"}


@pytest.mark.parametrize("event", [[], "text", None, 42], ids=repr)
def test_an_event_that_is_not_an_object_is_answered_400(event, invoke):
    assert invoke(event, "lambda")["json"]["code"] == "UnsupportedEvent"


@pytest.mark.parametrize(
    ("shape", "request_id"),
    [
        (EventShape.SCF_APIGW, "b1e4c7a0-5d2f-4e8b-9c3a-7f6e5d4c3b2a"),
        (EventShape.SCF_URL, "4a7c9e1b-3d5f-4b7d-8e0a-6c2e4a6c8e0b"),
        (EventShape.LAMBDA_V2, "b1e4c7a0-5d2f-4e8b-9c3a-7f6e5d4c3b2a"),
    ],
)
def test_logs_carry_the_function_and_the_request_id_as_correlation_id(
    shape, request_id, load_event, invoke, captured_logger
):
    invoke(load_event(f"token_issuance.{shape}"), shape)

    (record,) = [r for r in captured_logger.records() if r["message"] == "issuing"]
    assert record["correlation_id"] == request_id
    assert record["function_name"] == "faceid-relay-test"


def test_cors_is_off_unless_origins_are_given(load_event, invoke):
    event = with_header(load_event("token_issuance.lambda-v2"), "origin", "https://app.example.com")

    response = invoke(event, EventShape.LAMBDA_V2)

    assert "Access-Control-Allow-Origin" not in response["headers"]


@pytest.mark.parametrize("shape", [EventShape.SCF_URL, EventShape.LAMBDA_V1])
def test_cors_answers_only_the_configured_origins(shape, load_event, invoke):
    origins = ["https://app.example.com", "https://admin.example.com"]
    allowed = with_header(load_event(f"token_issuance.{shape}"), "Origin", "https://admin.example.com")
    other = with_header(load_event(f"token_issuance.{shape}"), "Origin", "https://evil.example.com")

    allowed_response = invoke(allowed, shape, cors_origins=origins)
    other_response = invoke(other, shape, cors_origins=origins)

    assert allowed_response["headers"]["Access-Control-Allow-Origin"] == "https://admin.example.com"
    assert set(allowed_response["headers"]["Access-Control-Allow-Headers"].split(",")) == {
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
    }
    assert "Access-Control-Allow-Origin" not in other_response["headers"]


def test_a_cors_preflight_needs_no_app_token(load_event, invoke):
    event = with_method(load_event("token_issuance.lambda-url"), "OPTIONS")
    event = with_header(without_header(event, "authorization"), "origin", "https://app.example.com")
    event.pop("body")

    response = invoke(event, EventShape.LAMBDA_URL, cors_origins=["https://app.example.com"])

    assert response["statusCode"] == 204
    assert response["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in response["headers"]["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "origin", ["*", "https://app.example.com/", "app.example.com", "https://App.example.com"]
)
def test_a_cors_origin_must_be_exact(origin):
    with pytest.raises(ValueError, match="CORS origin"):
        create_resolver(cors_origins=[origin])


def test_an_api_published_under_a_sub_path_is_routed_with_strip_prefixes(load_event, invoke):
    event = load_event("token_issuance.scf-apigw")
    event["path"] = "/faceid/verifications"

    response = invoke(event, EventShape.SCF_APIGW, strip_prefixes=["/faceid"])

    assert response["statusCode"] == 200


def test_a_base64_encoded_body_is_decoded_before_validation(load_event, invoke):
    event = load_event("token_issuance.lambda-v1")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True

    assert invoke(event, EventShape.LAMBDA_V1)["statusCode"] == 200


@pytest.mark.parametrize("base64_encoded", [False, True])
def test_a_body_over_the_limit_is_refused_413_before_it_is_read(
    base64_encoded, load_event, captured_logger, context_for
):
    event = load_event("token_issuance.lambda-v1")
    body = json.dumps({**json.loads(event["body"]), "padding": "x" * 200})
    event["body"] = base64.b64encode(body.encode()).decode() if base64_encoded else body
    event["isBase64Encoded"] = base64_encoded
    app = tiny_app(captured_logger)
    limit = len(body.encode()) - 1

    refused = http_handler(app, captured_logger.logger, app_token=APP_TOKEN, max_body_bytes=limit)
    response = refused(event, context_for(EventShape.LAMBDA_V1))

    assert response["statusCode"] == 413
    assert json.loads(response["body"])["field"] == "body"
    served = http_handler(app, captured_logger.logger, app_token=APP_TOKEN, max_body_bytes=limit + 1)
    assert served(event, context_for(EventShape.LAMBDA_V1))["statusCode"] != 413


@pytest.mark.parametrize(
    "body",
    [
        '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
        "[" * 100_000 + "]" * 100_000,
        '{"size": ' + "9" * (MAX_JSON_INTEGER_DIGITS + 1) + "}",
        '{"size": -' + "9" * 5000 + "}",
    ],
    ids=["one level too deep", "deep arrays", "one digit too long", "5,000 digits"],
)
def test_deep_nesting_and_long_integers_are_refused_naming_the_body(body):
    with pytest.raises(InvalidRequest) as refused:
        parse_json_body(body)

    assert refused.value.field == "body"


def test_brackets_and_escaped_quotes_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"extra": '[{"\\' * 50, "size": int("9" * MAX_JSON_INTEGER_DIGITS), "n": [[1.5e300]]})

    assert parse_json_body(text) == json.loads(text)


def test_a_deeply_nested_body_reaches_the_client_as_400_not_500(load_event, invoke):
    event = load_event("token_issuance.scf-apigw")
    event["body"] = '{"a":' * 1000 + "1" + "}" * 1000

    response = invoke(event, EventShape.SCF_APIGW)

    assert response["statusCode"] == 400
    assert response["json"]["code"] == "InvalidRequest"
    assert response["json"]["field"] == "body"


def test_the_openapi_document_describes_the_request_model(captured_logger):
    schema = json.loads(tiny_app(captured_logger).get_openapi_json_schema(title="faceid-relay", version="1"))

    operation = schema["paths"]["/verifications"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/VerificationRequest"
    )
    model = schema["components"]["schemas"]["VerificationRequest"]
    assert set(model["required"]) == {"compareImageKey", "returnUrl", "reference"}
    assert {p["name"] for p in schema["paths"]["/callback"]["get"]["parameters"]} == {"token"}
