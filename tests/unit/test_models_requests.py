"""The HTTP request models: camelCase JSON in, unknown fields refused, and every rule across fields answered
with the catalogue error that names the field to fix — also when Powertools validates the body."""

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ValidationError

from faceid_relay.errors import (
    ContentTooLarge,
    InvalidKey,
    InvalidRequest,
    RelayError,
    UnsupportedContentType,
)
from faceid_relay.models.requests import (
    CreateUploadRequest,
    LivenessComparisonRequest,
    SequenceRequest,
    VerificationRequest,
)
from faceid_relay.models.rules import Action, Purpose, new_upload_key

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
OTHER_MD5 = "0cc175b9c0f1b6a831c399e269772661"
COS_URL = "https://faceid-relay-1250000000.cos.ap-singapore.myqcloud.com/uploads/live-data/x"
IMAGE_URL = "https://faceid-relay-1250000000.cos.ap-singapore.myqcloud.com/uploads/compare-image/y"


def upload(**fields: Any) -> dict[str, Any]:
    return {"purpose": "compare-image", "size": 1000, "contentType": "image/jpeg", **fields}


def refused_field(model: type[BaseModel], fields: dict[str, Any], error: type[RelayError]) -> str | None:
    """The field `model` names when it refuses `fields` with `error`."""
    with pytest.raises(error) as refused:
        model.model_validate(fields)
    return refused.value.field


def test_an_upload_request_reads_camel_case_json() -> None:
    request = CreateUploadRequest.model_validate_json(
        json.dumps(upload(contentType="IMAGE/JPEG", md5=MD5.upper()))
    )
    assert request.purpose is Purpose.COMPARE_IMAGE
    assert request.content_type == "image/jpeg"
    assert request.md5 == MD5
    assert request.via == "bucket"
    assert request.target_action is None


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        (upload(contentType="image/gif"), UnsupportedContentType, "contentType"),
        (upload(purpose="live-data"), UnsupportedContentType, "contentType"),
        (upload(size=6_000_001), ContentTooLarge, "size"),
        (
            upload(purpose="live-data", contentType="application/octet-stream", size=50 * 1024 * 1024 + 1),
            ContentTooLarge,
            "size",
        ),
        (upload(via="faceid"), InvalidRequest, "targetAction"),
        (upload(via="faceid", targetAction="GenerateReflectSequence"), InvalidRequest, "targetAction"),
        (upload(via="faceid", targetAction="CreateUploadUrl"), InvalidRequest, "targetAction"),
        (upload(targetAction="DetectReflectLivenessAndCompare"), InvalidRequest, "targetAction"),
    ],
)
def test_upload_limits_and_target_actions_name_the_field(
    fields: dict[str, Any], error: type[RelayError], field: str
) -> None:
    assert refused_field(CreateUploadRequest, fields, error) == field


def test_a_size_over_the_limit_says_the_limit() -> None:
    with pytest.raises(ContentTooLarge, match="at most 6000000 bytes"):
        CreateUploadRequest.model_validate(upload(size=7_000_000))


@pytest.mark.parametrize(
    ("purpose", "target"),
    [
        ("device-data", Action.GenerateReflectSequence),
        ("live-data", Action.DetectReflectLivenessAndCompare),
        ("compare-image", Action.DetectReflectLivenessAndCompare),
        ("compare-image", Action.ApplyWebVerificationToken),
    ],
)
def test_faceid_uploads_name_the_action_that_reads_them(purpose: str, target: Action) -> None:
    content_type = "image/png" if purpose == "compare-image" else "application/octet-stream"
    fields = upload(purpose=purpose, contentType=content_type, via="faceid", targetAction=target.value)
    assert CreateUploadRequest.model_validate(fields).target_action is target


@pytest.mark.parametrize(
    ("fields", "location", "kind"),
    [
        (upload(size=0), ("size",), "greater_than"),
        (upload(md5="1B2M2Y8AsgTpgAmY7PhCfg=="), ("md5",), "InvalidRequest"),
        (upload(purpose="selfie"), ("purpose",), "enum"),
        (upload(via="s3"), ("via",), "literal_error"),
        (upload(content_type_extra="x"), ("content_type_extra",), "extra_forbidden"),
        ({"purpose": "compare-image", "size": 1}, ("contentType",), "missing"),
    ],
)
def test_type_problems_are_validation_errors_located_at_the_camel_case_field(
    fields: dict[str, Any], location: tuple[str, ...], kind: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        CreateUploadRequest.model_validate(fields)
    [problem] = refused.value.errors()
    assert (problem["loc"], problem["type"]) == (location, kind)


def test_validation_errors_do_not_echo_the_input() -> None:
    with pytest.raises(ValidationError) as refused:
        VerificationRequest.model_validate(
            {"returnUrl": "https://app.example.com/", "reference": "secret person name!"}
        )
    assert "secret person name" not in str(refused.value)


def test_a_sequence_takes_a_device_data_key_or_url_and_md5() -> None:
    key = new_upload_key(Purpose.DEVICE_DATA)
    assert SequenceRequest.model_validate({"deviceDataKey": key}).security_level == "4"
    by_url = SequenceRequest.model_validate(
        {"deviceDataUrl": COS_URL, "deviceDataMd5": MD5, "securityLevel": 2}
    )
    assert (by_url.device_data_url, by_url.device_data_md5, by_url.security_level) == (COS_URL, MD5, "2")


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({}, InvalidRequest, "deviceDataKey"),
        (
            {"deviceDataKey": new_upload_key(Purpose.DEVICE_DATA), "deviceDataUrl": COS_URL},
            InvalidRequest,
            "deviceDataUrl",
        ),
        (
            {"deviceDataKey": new_upload_key(Purpose.DEVICE_DATA), "deviceDataMd5": MD5},
            InvalidRequest,
            "deviceDataMd5",
        ),
        ({"deviceDataUrl": COS_URL}, InvalidRequest, "deviceDataMd5"),
        ({"deviceDataMd5": MD5}, InvalidRequest, "deviceDataKey"),
        ({"deviceDataKey": new_upload_key(Purpose.LIVE_DATA)}, InvalidKey, "deviceDataKey"),
        ({"deviceDataKey": "uploads/device-data/../../upload-records/x"}, InvalidKey, "deviceDataKey"),
    ],
)
def test_a_sequence_request_with_no_or_two_sources_names_the_field(
    fields: dict[str, Any], error: type[RelayError], field: str
) -> None:
    assert refused_field(SequenceRequest, fields, error) == field


@pytest.mark.parametrize("level", ["0", "5", 5, "four", True])
def test_a_security_level_outside_1_to_4_is_refused(level: object) -> None:
    with pytest.raises(ValidationError) as refused:
        SequenceRequest.model_validate(
            {"deviceDataKey": new_upload_key(Purpose.DEVICE_DATA), "securityLevel": level}
        )
    assert refused.value.errors()[0]["loc"] == ("securityLevel",)


def test_a_comparison_takes_live_data_and_an_image_from_keys_or_urls() -> None:
    request = LivenessComparisonRequest.model_validate(
        {"liveDataKey": new_upload_key(Purpose.LIVE_DATA), "imageUrl": IMAGE_URL, "imageMd5": OTHER_MD5}
    )
    assert request.image_url == IMAGE_URL


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"liveDataKey": new_upload_key(Purpose.LIVE_DATA)}, InvalidRequest, "imageKey"),
        ({"imageKey": new_upload_key(Purpose.COMPARE_IMAGE)}, InvalidRequest, "liveDataKey"),
        (
            {
                "liveDataKey": new_upload_key(Purpose.COMPARE_IMAGE),
                "imageKey": new_upload_key(Purpose.COMPARE_IMAGE),
            },
            InvalidKey,
            "liveDataKey",
        ),
        (
            {"liveDataKey": new_upload_key(Purpose.LIVE_DATA), "imageKey": new_upload_key(Purpose.LIVE_DATA)},
            InvalidKey,
            "imageKey",
        ),
        # DetectReflectLivenessAndCompare needs two different resources.
        (
            {"liveDataUrl": COS_URL, "liveDataMd5": MD5, "imageUrl": COS_URL, "imageMd5": OTHER_MD5},
            InvalidRequest,
            "imageUrl",
        ),
        (
            {
                "liveDataUrl": COS_URL + "?a=1",
                "liveDataMd5": MD5,
                "imageUrl": COS_URL + "?b=2",
                "imageMd5": OTHER_MD5,
            },
            InvalidRequest,
            "imageUrl",
        ),
        (
            {"liveDataUrl": COS_URL, "liveDataMd5": MD5, "imageUrl": IMAGE_URL, "imageMd5": MD5.upper()},
            InvalidRequest,
            "imageMd5",
        ),
    ],
)
def test_a_comparison_of_one_thing_with_itself_or_without_both_parts_is_refused(
    fields: dict[str, Any], error: type[RelayError], field: str
) -> None:
    assert refused_field(LivenessComparisonRequest, fields, error) == field


def test_a_verification_request_checks_its_key_reference_and_extra() -> None:
    key = new_upload_key(Purpose.COMPARE_IMAGE)
    request = VerificationRequest.model_validate(
        {"compareImageKey": key, "returnUrl": "https://app.example.com/done", "reference": "order:42_a.b-c"}
    )
    assert (request.compare_image_key, request.reference) == (key, "order:42_a.b-c")
    with pytest.raises(InvalidKey):
        VerificationRequest.model_validate(
            {"compareImageKey": new_upload_key(Purpose.LIVE_DATA), "returnUrl": "https://a/"}
        )
    for reference in ("a b", "a/b", "<script>", "é", "x" * 65, ""):
        with pytest.raises(ValidationError):
            VerificationRequest.model_validate({"returnUrl": "https://a/", "reference": reference})
    with pytest.raises(ValidationError):
        VerificationRequest.model_validate({"returnUrl": "https://a/", "extra": "x" * 1001})
    with pytest.raises(ValidationError):
        VerificationRequest.model_validate({"returnUrl": "https://a/" + "x" * 2048})


def test_powertools_validation_lets_the_catalogue_error_reach_the_error_handler() -> None:
    """The HTTP edge relies on this: a rule across fields answers with its own code, status and field."""
    app = APIGatewayHttpResolver(enable_validation=True)

    def relay_error(error: RelayError) -> Response[str]:
        return Response(error.status, "application/json", json.dumps(error.body()))

    app.exception_handler(RelayError)(relay_error)

    @app.post("/uploads")
    def create_upload(request: CreateUploadRequest) -> dict[str, str]:
        return {"key": new_upload_key(request.purpose)}

    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/uploads",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": "POST", "path": "/uploads"},
            "stage": "$default",
            "requestId": "r",
        },
        "body": json.dumps(upload(size=60_000_000)),
        "isBase64Encoded": False,
    }
    answer = app.resolve(event, None)  # type: ignore[arg-type]
    assert answer["statusCode"] == 413
    assert json.loads(answer["body"])["field"] == "size"
