"""The response models: camelCase on the wire however they are dumped, and every field of every API model
described, since these models are the OpenAPI document users read."""

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from faceid_relay.models import requests, responses
from faceid_relay.models.responses import (
    BucketUpload,
    StoredMedia,
    StoredMediaLink,
    VerificationResult,
)
from tests.fakes import BIZ_TOKEN, EMPTY_MD5, NOW, passing_attempt


def api_models() -> list[type[BaseModel]]:
    models = []
    for module in (requests, responses):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                models.append(value)
    return models


def test_an_upload_answer_is_camel_case_json_with_put_as_its_method() -> None:
    answer = BucketUpload(
        key="uploads/compare-image/" + "0" * 32,
        upload_url="https://b-1250000000.cos.ap-singapore.myqcloud.com/uploads/x?q-signature=1",
        headers={"Content-Type": "image/jpeg", "x-cos-forbid-overwrite": "true"},
        expires_at=NOW,
    )
    body = json.loads(answer.model_dump_json())
    assert set(body) == {"key", "uploadUrl", "method", "headers", "expiresAt"}
    assert body["method"] == "PUT"
    # Header names are data, not field names: never re-cased.
    assert body["headers"] == {"Content-Type": "image/jpeg", "x-cos-forbid-overwrite": "true"}
    assert answer.model_dump(mode="json") == body


def test_a_verification_result_nests_camel_case_all_the_way_down() -> None:
    result = VerificationResult(
        biz_token=BIZ_TOKEN,
        status="passed",
        reference="order-42",
        metadata={"userId": "u-42"},
        extra=None,
        error_code=0,
        error_message="Success",
        similarity=91.5,
        attempts=[passing_attempt()],
        media={"bestFrame": StoredMediaLink(url="https://x/y", md5=EMPTY_MD5, size=10, expires_at=NOW)},
        request_id="req-1",
        created_at=NOW,
        finalized_at=NOW,
        redacted_at=None,
    )
    body = result.model_dump(mode="json")
    assert body["bizToken"] == BIZ_TOKEN
    assert body["attempts"][0]["livenessErrorCode"] == 0
    assert body["media"]["bestFrame"]["expiresAt"] == "2026-11-23T12:00:00Z"
    assert VerificationResult.model_validate(body) == result


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (VerificationResult, {"bizToken": "not-a-token"}),
        (VerificationResult, {"status": "approved"}),
        (StoredMedia, {"md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}),
        (StoredMedia, {"size": -1}),
    ],
)
def test_an_answer_that_breaks_the_contract_cannot_be_built(
    model: type[BaseModel], fields: dict[str, Any]
) -> None:
    valid: dict[type[BaseModel], dict[str, Any]] = {
        VerificationResult: {
            "bizToken": BIZ_TOKEN,
            "status": "pending",
            "reference": None,
            "metadata": None,
            "extra": None,
            "errorCode": None,
            "errorMessage": None,
            "similarity": None,
            "attempts": [],
            "media": {},
            "requestId": None,
            "createdAt": NOW,
            "finalizedAt": None,
            "redactedAt": None,
        },
        StoredMedia: {"key": "results/x/best-frame.jpg", "md5": EMPTY_MD5, "size": 1},
    }
    model.model_validate(valid[model])
    with pytest.raises(ValidationError):
        model.model_validate({**valid[model], **fields})


@pytest.mark.parametrize("model", api_models(), ids=lambda model: model.__name__)
def test_every_field_of_every_api_model_is_described_in_the_schema(model: type[BaseModel]) -> None:
    schema = model.model_json_schema(by_alias=True)
    undescribed = [
        name for name, field in schema.get("properties", {}).items() if not field.get("description")
    ]
    assert not undescribed
    assert all(
        name == name[0].lower() + name[1:] and "_" not in name for name in schema.get("properties", {})
    )


def test_the_schema_check_above_covers_the_model_of_every_route() -> None:
    names = {model.__name__ for model in api_models()}
    assert {
        "CreateUploadRequest",
        "BucketUpload",
        "FaceIdUpload",
        "SequenceRequest",
        "SequenceResponse",
        "LivenessComparisonRequest",
        "LivenessComparison",
        "VerificationRequest",
        "VerificationResponse",
        "VerificationResult",
    } <= names


@pytest.mark.parametrize(
    "model",
    [model for model in api_models() if model.model_config.get("json_schema_extra")],
    ids=lambda model: model.__name__,
)
def test_every_example_shown_in_the_api_document_is_a_valid_instance(model: type[BaseModel]) -> None:
    examples = model.model_json_schema(by_alias=True)["examples"]

    assert examples
    for example in examples:
        model.model_validate(example)


def test_metadata_is_bounded_in_keys_key_length_and_value_length() -> None:
    base = {"returnUrl": "https://app.example.com/done"}
    requests.VerificationRequest.model_validate({**base, "metadata": {f"k{i}": "v" * 500 for i in range(20)}})
    for metadata in (
        {f"k{i}": "v" for i in range(21)},
        {"k" * 41: "v"},
        {"k": "v" * 501},
        {"bad key": "v"},
    ):
        with pytest.raises(ValidationError):
            requests.VerificationRequest.model_validate({**base, "metadata": metadata})
