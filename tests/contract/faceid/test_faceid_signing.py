"""FaceID contract: API 3.0 authentication and routing as Tencent does them, seen through the unmodified
intl SDK (errors must RAISE, so every reply is HTTP 200 with Content-Type exactly application/json)."""

import time
import types

import pytest
from tencentcloud.common import abstract_client
from tencentcloud.faceid.v20180301 import models

from localcloud import accounts
from tests.contract.faceid.harness import LocalCloud, raw_call, response_json, sdk_error


def upload_url_request() -> models.CreateUploadUrlRequest:
    request = models.CreateUploadUrlRequest()
    request.TargetAction = "DetectReflectLivenessAndCompare"
    return request


@pytest.mark.parametrize("key", [accounts.PERMANENT, accounts.TEMPORARY], ids=["permanent", "temporary"])
def test_correctly_signed_call_parses_into_the_sdk_model(cloud: LocalCloud, key: accounts.KeyPair) -> None:
    answer = cloud.client(key).CreateUploadUrl(upload_url_request())

    assert isinstance(answer, models.CreateUploadUrlResponse)
    assert answer.UploadUrl
    assert answer.ResourceUrl
    assert answer.RequestId
    assert isinstance(answer.ExpiredTimestamp, int)


def test_wrong_secret_key_raises_signature_failure(cloud: LocalCloud) -> None:
    wrong = accounts.KeyPair(accounts.PERMANENT.secret_id, "not-the-secret-key-0000000000000")

    error = sdk_error(lambda: cloud.client(wrong).CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.SignatureFailure"
    assert error.get_request_id()


def test_tampered_body_raises_signature_failure(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    client = cloud.client()
    send = client.request.send_request

    def tamper(request: abstract_client.RequestInternal) -> object:
        request.data = request.data.replace("DetectReflectLivenessAndCompare", "GenerateReflectSequence")
        return send(request)

    monkeypatch.setattr(client.request, "send_request", tamper)

    error = sdk_error(lambda: client.CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("skew", [-301 - 60, 301 + 60], ids=["past", "future"])
def test_skewed_timestamp_raises_signature_expire(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch, skew: int
) -> None:
    # The SDK stamps X-TC-Timestamp with abstract_client's time.time(): skew only that module's clock.
    skewed_time = types.SimpleNamespace(time=lambda: time.time() + skew)
    monkeypatch.setattr(abstract_client, "time", skewed_time)

    error = sdk_error(lambda: cloud.client().CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.SignatureExpire"


def test_timestamp_within_five_minutes_is_accepted(cloud: LocalCloud) -> None:
    answer = raw_call(
        cloud,
        "CreateUploadUrl",
        {"TargetAction": "GenerateReflectSequence"},
        timestamp=int(time.time()) - 240,
    )

    assert "Error" not in response_json(answer)


def test_unknown_secret_id_raises_secret_id_not_found(cloud: LocalCloud) -> None:
    stranger = accounts.KeyPair("AKIDsomeoneElse0000000000000000000", accounts.PERMANENT.secret_key)

    error = sdk_error(lambda: cloud.client(stranger).CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.SecretIdNotFound"


@pytest.mark.parametrize("token", [None, "some-other-session-token"], ids=["missing", "wrong"])
def test_temporary_key_without_its_token_raises_token_failure(cloud: LocalCloud, token: str | None) -> None:
    key = accounts.KeyPair(accounts.TEMPORARY.secret_id, accounts.TEMPORARY.secret_key, token)

    error = sdk_error(lambda: cloud.client(key).CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.TokenFailure"


@pytest.mark.parametrize(
    ("authorization", "drop"),
    [
        (None, ("Authorization",)),
        ("", ()),
        ("TC3-HMAC-SHA256 Credential=AKIDx, Signature=abc", ()),
        ("HMAC-SHA1 whatever", ()),
    ],
    ids=["missing", "empty", "garbled", "other-algorithm"],
)
def test_missing_or_garbled_authorization_is_invalid_authorization(
    cloud: LocalCloud, authorization: str | None, drop: tuple[str, ...]
) -> None:
    answer = raw_call(
        cloud,
        "CreateUploadUrl",
        {"TargetAction": "GenerateReflectSequence"},
        authorization=authorization,
        drop_headers=drop,
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert response_json(answer)["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


def test_signed_headers_must_include_host(cloud: LocalCloud) -> None:
    answer = raw_call(
        cloud,
        "CreateUploadUrl",
        {"TargetAction": "GenerateReflectSequence"},
        signed_headers=("content-type",),
    )

    assert response_json(answer)["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


def test_signature_v3_doc_variant_charset_and_signed_action_is_accepted(cloud: LocalCloud) -> None:
    # The doc's own example signs "application/json; charset=utf-8" and x-tc-action (value lowercased).
    answer = raw_call(
        cloud,
        "CreateUploadUrl",
        {"TargetAction": "GenerateReflectSequence"},
        content_type="application/json; charset=utf-8",
        signed_headers=("content-type", "host", "x-tc-action"),
    )

    body = response_json(answer)
    assert "Error" not in body, body
    assert answer.headers["content-type"] == "application/json"


def test_every_reply_is_json_without_charset(cloud: LocalCloud) -> None:
    ok = raw_call(cloud, "CreateUploadUrl", {"TargetAction": "GenerateReflectSequence"})
    refused = raw_call(cloud, "CreateUploadUrl", {"TargetAction": "Nope"})

    for answer in (ok, refused):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert isinstance(response_json(answer)["RequestId"], str)
    assert response_json(refused)["Error"] == {
        "Code": "InvalidParameterValue",
        "Message": response_json(refused)["Error"]["Message"],
    }


def test_unknown_action_is_invalid_action(cloud: LocalCloud) -> None:
    error = sdk_error(lambda: cloud.common().call_json("DescribeEverything", {}))

    assert error.get_code() == "InvalidAction"


def test_wrong_version_is_no_such_version(cloud: LocalCloud) -> None:
    client = cloud.common(version="2017-01-01")

    error = sdk_error(
        lambda: client.call_json("CreateUploadUrl", {"TargetAction": "GenerateReflectSequence"})
    )

    assert error.get_code() == "NoSuchVersion"


@pytest.mark.parametrize(
    ("action", "region"),
    [
        ("CreateUploadUrl", "ap-jakarta"),
        ("GenerateReflectSequence", "ap-jakarta"),
        ("DetectReflectLivenessAndCompare", "ap-tokyo"),
        ("ApplyWebVerificationBizTokenIntl", "ap-guangzhou"),
        ("GetWebVerificationResultIntl", "eu-frankfurt"),
        ("ApplyWebVerificationToken", "ap-bangkok"),
        ("GetWebVerificationResult", "ap-hongkong"),
    ],
)
def test_region_outside_the_actions_set_is_unsupported_region(
    cloud: LocalCloud, action: str, region: str
) -> None:
    error = sdk_error(lambda: cloud.common(region=region).call_json(action, {}))

    assert error.get_code() == "UnsupportedRegion"


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({}, "MissingParameter", "The request is missing a required parameter `TargetAction`."),
        (
            {"TargetAction": "GenerateReflectSequence", "Extra": "x"},
            "UnknownParameter",
            "The parameter `Extra` is not recognized.",
        ),
        (
            {"TargetAction": 7},
            "InvalidParameter",
            "The value type of parameter `TargetAction` is incorrect. The type should be `string`.",
        ),
    ],
    ids=["missing", "unknown", "wrong-type"],
)
def test_parameters_are_checked_against_the_action_in_tencents_words(
    cloud: LocalCloud, params: dict[str, object], code: str, message: str
) -> None:
    error = sdk_error(lambda: cloud.common().call_json("CreateUploadUrl", params))

    assert (error.get_code(), error.get_message()) == (code, message)


@pytest.mark.parametrize("region", ["sg", "singapore", "AP-SINGAPORE"])
def test_a_region_that_is_no_tencent_region_is_invalid_parameter_value(
    cloud: LocalCloud, region: str
) -> None:
    error = sdk_error(
        lambda: cloud.common(region=region).call_json(
            "CreateUploadUrl", {"TargetAction": "GenerateReflectSequence"}
        )
    )

    assert error.get_code() == "InvalidParameterValue"
    assert (
        error.get_message()
        == "A value specified in `X-TC-Region` is not valid, is unsupported, or cannot be used."
    )


@pytest.mark.parametrize(
    ("header", "code"), [("X-TC-Region", "MissingParameter"), ("X-TC-Version", "MissingParameter")]
)
def test_missing_common_parameter_headers_are_missing_parameter(
    cloud: LocalCloud, header: str, code: str
) -> None:
    answer = raw_call(
        cloud, "CreateUploadUrl", {"TargetAction": "GenerateReflectSequence"}, drop_headers=(header,)
    )

    assert response_json(answer)["Error"]["Code"] == code


# The other request forms the SDK sends (请求结构, https://cloud.tencent.com/document/product/1278/46710:
# GET and POST; POST JSON with TC3-HMAC-SHA256, POST form with signature v1).


@pytest.mark.parametrize("key", [accounts.PERMANENT, accounts.TEMPORARY], ids=["permanent", "temporary"])
def test_get_request_signed_with_tc3_is_served(cloud: LocalCloud, key: accounts.KeyPair) -> None:
    answer = cloud.client(key, method="GET").CreateUploadUrl(upload_url_request())

    assert answer.UploadUrl
    assert isinstance(answer.ExpiredTimestamp, int)


def test_get_request_reads_flattened_objects_by_their_declared_types(cloud: LocalCloud) -> None:
    # The SDK flattens Config into the query ("Config.AutoSkip=True&Config.CheckMode=3").
    request = models.ApplyWebVerificationBizTokenIntlRequest()
    request.from_json_string(
        '{"RedirectURL": "https://app.example/done", "Extra": "ref-7",'
        ' "Config": {"AutoSkip": true, "CheckMode": 3}}'
    )
    client = cloud.client(method="GET")

    token = client.ApplyWebVerificationBizTokenIntl(request).BizToken
    result = models.GetWebVerificationResultIntlRequest()
    result.BizToken = token

    assert client.GetWebVerificationResultIntl(result).Extra == "ref-7"


def test_get_request_with_a_mistyped_flattened_field_is_invalid_parameter(cloud: LocalCloud) -> None:
    params = {"RedirectURL": "https://app.example/done", "Config": {"CheckMode": "three"}}
    client = cloud.common()
    client.profile.httpProfile.reqMethod = "GET"

    error = sdk_error(lambda: client.call_json("ApplyWebVerificationBizTokenIntl", params))

    assert error.get_code() == "InvalidParameter"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_unsigned_payload_is_accepted(cloud: LocalCloud, method: str) -> None:
    answer = cloud.client(method=method, unsigned_payload=True).CreateUploadUrl(upload_url_request())

    assert answer.UploadUrl


@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
@pytest.mark.parametrize("key", [accounts.PERMANENT, accounts.TEMPORARY], ids=["permanent", "temporary"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_signature_v1_is_served(
    cloud: LocalCloud, sign_method: str, key: accounts.KeyPair, method: str
) -> None:
    client = cloud.client(key, method=method, sign_method=sign_method)

    answer = client.CreateUploadUrl(upload_url_request())

    assert answer.UploadUrl


def test_signature_v1_with_the_wrong_secret_key_is_signature_failure(cloud: LocalCloud) -> None:
    wrong = accounts.KeyPair(accounts.PERMANENT.secret_id, "not-the-secret-key-0000000000000")

    client = cloud.client(wrong, sign_method="HmacSHA256")

    error = sdk_error(lambda: client.CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.SignatureFailure"


def test_signature_v1_temporary_key_without_its_token_is_token_failure(cloud: LocalCloud) -> None:
    tokenless = accounts.KeyPair(accounts.TEMPORARY.secret_id, accounts.TEMPORARY.secret_key)

    client = cloud.client(tokenless, sign_method="HmacSHA1")

    error = sdk_error(lambda: client.CreateUploadUrl(upload_url_request()))

    assert error.get_code() == "AuthFailure.TokenFailure"


def test_post_body_over_ten_megabytes_is_request_size_limit_exceeded(cloud: LocalCloud) -> None:
    request = models.ApplyWebVerificationBizTokenIntlRequest()
    request.RedirectURL = "https://app.example/done"
    request.CompareImageBase64 = "A" * (10 * 1024 * 1024)

    error = sdk_error(lambda: cloud.client().ApplyWebVerificationBizTokenIntl(request))

    assert error.get_code() == "RequestSizeLimitExceeded"


def test_signature_v1_post_over_one_megabyte_is_refused_as_a_signature_failure(cloud: LocalCloud) -> None:
    request = models.ApplyWebVerificationBizTokenIntlRequest()
    request.RedirectURL = "https://app.example/done"
    request.CompareImageBase64 = "A" * (1024 * 1024)

    error = sdk_error(
        lambda: cloud.client(sign_method="HmacSHA256").ApplyWebVerificationBizTokenIntl(request)
    )

    assert error.get_code() == "AuthFailure.SignatureFailure"
    assert "please use new signature method `TC3-HMAC-SHA256`" in error.get_message()


def test_another_service_in_the_credential_scope_is_invalid_authorization(cloud: LocalCloud) -> None:
    answer = raw_call(cloud, "CreateUploadUrl", {"TargetAction": "GenerateReflectSequence"}, service="cvm")

    error = response_json(answer)["Error"]
    assert error["Code"] == "AuthFailure.InvalidAuthorization"
    assert error["Message"].endswith("`Service` in Credential not valid.")


def test_get_query_over_32_kilobytes_is_request_size_limit_exceeded(cloud: LocalCloud) -> None:
    request = models.ApplyWebVerificationBizTokenIntlRequest()
    request.RedirectURL = "https://app.example/done"
    request.Extra = "x" * (33 * 1024)

    error = sdk_error(lambda: cloud.client(method="GET").ApplyWebVerificationBizTokenIntl(request))

    assert error.get_code() == "RequestSizeLimitExceeded"
