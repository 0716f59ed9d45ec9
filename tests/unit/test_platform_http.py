"""HTTP adapter: every sample event becomes the HTTP API v2 request its client sent, and every platform
gets back a response shape it can read."""

import base64
import json

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faceid_relay.platform.http import (
    EventShape,
    UnsupportedEventError,
    detect_shape,
    json_response,
    to_http_api_v2,
    to_platform_response,
)

BIZ_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
APP_TOKEN = "Bearer local-dev-app-token-000000000000000000"
CONTEXT_REQUEST_ID = "context-request-id"
# function → (method, path the route sees, query the client sent)
ROUTES = {
    "presign_upload": ("POST", "/uploads", {}),
    "sequence_generation": ("POST", "/sequences", {}),
    "liveness_compare": ("POST", "/liveness-comparisons", {}),
    "token_issuance": ("POST", "/verifications", {}),
    "redirect_callback": ("GET", "/callback", {"token": BIZ_TOKEN}),
    "result_read": ("GET", f"/verifications/{BIZ_TOKEN}", {}),
    "verification_lifecycle": ("POST", f"/verifications/{BIZ_TOKEN}/cancel", {}),
}
V2_RESPONSE = {
    "statusCode": 302,
    "body": "",
    "isBase64Encoded": False,
    "headers": {"Location": "https://app.example.com/kyc/done", "Content-Type": "application/json"},
    "cookies": [],
}


def _adapt(event: object) -> APIGatewayProxyEventV2:
    """The request as the resolver reads it."""
    return APIGatewayProxyEventV2(to_http_api_v2(event, request_id=CONTEXT_REQUEST_ID).event)


def test_each_sample_event_is_recognised_as_the_shape_its_file_names(http_event_name, load_event):
    shape = http_event_name.split(".")[1]

    assert detect_shape(load_event(http_event_name)) is EventShape(shape)


def test_each_sample_event_reaches_the_resolver_as_the_request_the_client_sent(http_event_name, load_event):
    function = http_event_name.split(".")[0]
    event = load_event(http_event_name)
    method, path, query = ROUTES[function]

    request = _adapt(event)

    assert (request.http_method, request.path) == (method, path)
    assert request.query_string_parameters == query
    if method == "POST":
        assert request.json_body == json.loads(event["body"])
        assert request.headers["content-type"] == "application/json"
    if function != "redirect_callback":
        assert request.headers["authorization"] == APP_TOKEN
    assert all(name == name.lower() for name in request.headers)
    assert request.is_base64_encoded is False
    own_request_id = (event.get("requestContext") or {}).get("requestId")
    assert request.request_context.request_id == (own_request_id or CONTEXT_REQUEST_ID)


def test_scf_api_gateway_stage_stays_out_of_the_route_but_in_the_request(load_event):
    request = _adapt(load_event("presign_upload.scf-apigw"))

    assert request.raw_path == "/release/uploads"
    assert request.request_context.stage == "release"
    assert request.path == "/uploads"
    assert request.request_context.http.source_ip == "203.0.113.7"


def test_an_http_api_event_without_request_id_or_stage_gets_the_contexts_id_and_the_default_stage(load_event):
    event = load_event("token_issuance.lambda-v2")
    del event["requestContext"]["requestId"], event["requestContext"]["stage"]

    request = _adapt(event)

    assert request.request_context.request_id == CONTEXT_REQUEST_ID
    assert (request.request_context.stage, request.path) == ("$default", "/verifications")


def test_scf_list_valued_and_mixed_case_headers_read_like_http_api_headers(load_event):
    request = _adapt(load_event("token_issuance.scf-apigw"))

    assert request.headers["x-forwarded-for"] == "203.0.113.7,10.0.2.14"
    assert request.headers["Idempotency-Key"] == "5d0c7f3e-2b1a-4c9d-8e7f-6a5b4c3d2e1f"


def test_scf_function_url_takes_the_request_id_from_the_context_and_the_client_from_its_header(load_event):
    request = _adapt(load_event("redirect_callback.scf-url"))

    assert request.request_context.request_id == CONTEXT_REQUEST_ID
    assert request.request_context.http.source_ip == "203.0.113.7"
    assert request.raw_query_string == f"token={BIZ_TOKEN}"


def test_scf_raw_query_string_wins_over_the_declared_parameters(load_event):
    event = load_event("redirect_callback.scf-apigw")
    event["queryStringParameters"] = {}
    event["queryString"] = {"token": BIZ_TOKEN, "lang": ["en", "th"]}

    request = _adapt(event)

    assert request.query_string_parameters == {"token": BIZ_TOKEN, "lang": "en,th"}
    assert request.raw_query_string == f"token={BIZ_TOKEN}&lang=en&lang=th"


def test_a_base64_body_stays_base64_for_the_resolver_to_decode(load_event):
    event = load_event("token_issuance.lambda-v1")
    text = event["body"]
    event["body"] = base64.b64encode(text.encode()).decode()
    event["isBase64Encoded"] = True

    request = _adapt(event)

    assert request.is_base64_encoded is True
    assert request.decoded_body == text


@pytest.mark.parametrize(
    "name", ["presign_upload.scf-apigw", "presign_upload.scf-url", "presign_upload.lambda-url"]
)
def test_a_missing_or_falsy_body_flag_means_a_text_body(name, load_event):
    event = load_event(name)
    event.pop("isBase64Encoded", None)

    assert _adapt(event).is_base64_encoded is False


@pytest.mark.parametrize(
    "event",
    [
        pytest.param([], id="a list"),
        pytest.param("GET /uploads", id="a string"),
        pytest.param({}, id="an empty object"),
        pytest.param({"httpMethod": "GET"}, id="no path"),
        pytest.param({"httpMethod": "GET", "path": "/", "requestContext": {"elb": {}}}, id="an ALB event"),
    ],
)
def test_anything_but_an_http_event_is_refused_with_a_reason(event):
    with pytest.raises(UnsupportedEventError, match="not an HTTP request"):
        to_http_api_v2(event, request_id=CONTEXT_REQUEST_ID)


def test_a_cos_trigger_event_is_not_mistaken_for_an_http_request(load_event):
    with pytest.raises(UnsupportedEventError):
        to_http_api_v2(load_event("hash_on_upload.scf-cos"), request_id=CONTEXT_REQUEST_ID)


@pytest.mark.parametrize(
    ("name", "field", "value", "reason"),
    [
        ("token_issuance.scf-apigw", "headers", "Authorization: Bearer x", "headers"),
        ("redirect_callback.scf-url", "queryString", "token=x", "query"),
        ("token_issuance.lambda-v1", "body", {"returnUrl": "x"}, "body"),
        ("result_read.lambda-v2", "rawPath", None, "rawPath"),
    ],
)
def test_a_damaged_http_event_is_refused_naming_the_part(name, field, value, reason, load_event):
    event = load_event(name)
    event[field] = value
    event.pop("multiValueHeaders", None)

    with pytest.raises(UnsupportedEventError, match=reason):
        to_http_api_v2(event, request_id=CONTEXT_REQUEST_ID)


@pytest.mark.parametrize("shape", [EventShape.SCF_APIGW, EventShape.SCF_URL, EventShape.LAMBDA_V1])
def test_scf_and_rest_responses_carry_single_value_headers_and_no_cookies_field(shape):
    response = to_platform_response(dict(V2_RESPONSE), shape)

    assert response == {
        "statusCode": 302,
        "headers": {"Location": "https://app.example.com/kyc/done", "Content-Type": "application/json"},
        "body": "",
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("shape", [EventShape.LAMBDA_V2, EventShape.LAMBDA_URL])
def test_http_api_and_function_url_responses_pass_through(shape):
    assert to_platform_response(dict(V2_RESPONSE), shape) == V2_RESPONSE


@pytest.mark.parametrize("shape", [EventShape.SCF_APIGW, EventShape.SCF_URL])
def test_scf_gets_cookies_as_set_cookie_headers(shape):
    one = to_platform_response({**V2_RESPONSE, "cookies": ["a=1"]}, shape)
    two = to_platform_response({**V2_RESPONSE, "cookies": ["a=1", "b=2"]}, shape)

    assert one["headers"]["Set-Cookie"] == "a=1"
    assert two["headers"]["Set-Cookie"] == ["a=1", "b=2"]


def test_rest_api_gets_cookies_as_multi_value_set_cookie():
    response = to_platform_response({**V2_RESPONSE, "cookies": ["a=1", "b=2"]}, EventShape.LAMBDA_V1)

    assert response["multiValueHeaders"] == {"Set-Cookie": ["a=1", "b=2"]}
    assert "cookies" not in response


def test_a_shape_neutral_json_response_reads_the_same_on_every_platform():
    response = json_response(400, {"code": "UnsupportedEvent", "message": "no"})

    assert response == {
        "statusCode": 400,
        "headers": {"Content-Type": "application/json"},
        "body": '{"code":"UnsupportedEvent","message":"no"}',
        "isBase64Encoded": False,
    }


# Explicit alphabets: fast to draw, and they cover case, separators and non-ASCII values.
_header_names = st.text("AaBbZz09-_.", min_size=1, max_size=12)
_value_text = st.text("aZ09 ,;=/é照", max_size=16)
_header_values = st.one_of(_value_text, st.lists(_value_text, max_size=3), st.integers(), st.none())


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=st.dictionaries(_header_names, _header_values, max_size=8))
def test_any_scf_header_map_is_adapted_with_lower_case_names(headers, load_event):
    event = load_event("presign_upload.scf-url")
    event["headers"] = headers

    adapted = to_http_api_v2(event, request_id=CONTEXT_REQUEST_ID).event["headers"]

    assert set(adapted) == {name.lower() for name, value in headers.items() if value is not None}
    assert all(isinstance(value, str) for value in adapted.values())
