"""FaceID contract: the web (H5) flow. ApplyWebVerificationBizTokenIntl -> the verification page ->
302 to RedirectURL?token= -> GetWebVerificationResultIntl, with BizToken lifetimes on the shared clock,
and the legacy ApplyWebVerificationToken / GetWebVerificationResult pair through CommonClient."""

import base64
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from tencentcloud.faceid.v20180301 import models

from localcloud import accounts
from tests.contract.faceid.harness import JPEG, REGION, LocalCloud, is_jpeg, is_mp4, md5_hex, sdk_error

KEYS = pytest.mark.parametrize(
    "key", [accounts.PERMANENT, accounts.TEMPORARY], ids=["permanent", "temporary"]
)
RETURN_URL = "https://app.example/verified"


def apply_request(
    redirect_url: str = RETURN_URL, image: bytes | None = JPEG, extra: str | None = "order-17"
) -> models.ApplyWebVerificationBizTokenIntlRequest:
    request = models.ApplyWebVerificationBizTokenIntlRequest()
    request.RedirectURL = redirect_url
    request.CompareImageBase64 = base64.b64encode(image).decode() if image is not None else None
    request.Extra = extra
    config = models.WebVerificationConfigIntl()
    config.CheckMode = 2
    config.Language = "en"
    request.Config = config
    return request


def result_request(token: str) -> models.GetWebVerificationResultIntlRequest:
    request = models.GetWebVerificationResultIntlRequest()
    request.BizToken = token
    return request


def press(cloud: LocalCloud, token: str, outcome: str) -> httpx.Response:
    """What the browser sends when a button of the verification page is pressed."""
    return httpx.post(f"{cloud.faceid_url}/reflect/", data={"token": token, "outcome": outcome}, timeout=30)


def finished_token(
    cloud: LocalCloud, outcome: str = "pass", key: accounts.KeyPair = accounts.PERMANENT
) -> str:
    token = str(cloud.client(key).ApplyWebVerificationBizTokenIntl(apply_request()).BizToken)
    assert httpx.get(f"{cloud.faceid_url}/reflect/", params={"token": token}, timeout=30).status_code == 200
    assert press(cloud, token, outcome).status_code == 302
    return token


# --- Intl flow -----------------------------------------------------------------------------------------


@KEYS
def test_web_flow_pass_redirects_with_the_token_and_reads_a_passed_result(
    cloud: LocalCloud, key: accounts.KeyPair
) -> None:
    client = cloud.client(key)

    applied = client.ApplyWebVerificationBizTokenIntl(apply_request())

    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", applied.BizToken)
    assert applied.VerificationURL == f"{cloud.faceid_url}/reflect/?token={applied.BizToken}"
    with pytest.deprecated_call():  # the SDK marks the old spelling deprecated; it still carries the URL
        assert applied.VerificationUrl == applied.VerificationURL
    page = httpx.get(applied.VerificationURL, timeout=30)
    assert page.status_code == 200
    for button, label in (("pass", "Pass"), ("fail", "Fail"), ("spoof", "Spoof")):
        assert re.search(
            rf'<button type="submit" id="{button}" name="outcome" value="{button}">{label}</button>',
            page.text,
        )
    assert '<form method="post" action="/reflect/">' in page.text
    assert f'name="token" value="{applied.BizToken}"' in page.text

    pressed = press(cloud, applied.BizToken, "pass")

    assert pressed.status_code == 302
    assert pressed.headers["location"] == f"{RETURN_URL}?token={applied.BizToken}"
    result = client.GetWebVerificationResultIntl(result_request(applied.BizToken))
    assert (result.ErrorCode, result.ErrorMsg, result.Extra) == (0, "Success", "order-17")
    assert is_jpeg(base64.b64decode(result.BestFrameBase64))
    assert is_mp4(base64.b64decode(result.VideoBase64))
    assert result.OCRResult is None
    [detail] = result.VerificationDetailList
    assert (detail.ErrorCode, detail.LivenessErrorCode, detail.CompareErrorCode) == (0, 0, 0)
    assert isinstance(detail.Similarity, float)
    assert 80 <= detail.Similarity < 99
    assert abs(detail.ReqTimestamp - cloud.clock.now() * 1000) < 60_000
    assert detail.Seq


def test_result_can_be_read_many_times_with_the_same_answer(cloud: LocalCloud) -> None:
    token = finished_token(cloud)

    first, second = (
        cloud.common().call_json("GetWebVerificationResultIntl", {"BizToken": token}) for _ in range(2)
    )

    assert first["Response"].pop("RequestId") != second["Response"].pop("RequestId")
    assert first == second


@pytest.mark.parametrize(
    ("outcome", "code", "message"),
    [("fail", 1005, "Liveness detection failed"), ("spoof", 1002, "Suspected spoofed recording.")],
)
def test_failed_attempts_have_their_h5_error_codes(
    cloud: LocalCloud, outcome: str, code: int, message: str
) -> None:
    token = finished_token(cloud, outcome)

    result = cloud.client().GetWebVerificationResultIntl(result_request(token))

    assert (result.ErrorCode, result.ErrorMsg) == (code, message)
    [detail] = result.VerificationDetailList
    assert (detail.ErrorCode, detail.LivenessErrorCode, detail.Similarity) == (code, code, 0.0)


def test_redirect_keeps_an_existing_query_and_fragment(cloud: LocalCloud) -> None:
    applied = cloud.client().ApplyWebVerificationBizTokenIntl(
        apply_request("https://app.example/cb?session=1#top")
    )

    pressed = press(cloud, applied.BizToken, "pass")

    assert pressed.headers["location"] == f"https://app.example/cb?session=1&token={applied.BizToken}#top"


def test_result_before_the_user_finishes_has_no_verdict(cloud: LocalCloud) -> None:
    applied = cloud.client().ApplyWebVerificationBizTokenIntl(apply_request(image=None, extra=None))
    httpx.get(applied.VerificationURL, timeout=30)

    result = cloud.client().GetWebVerificationResultIntl(result_request(applied.BizToken))

    assert (result.ErrorCode, result.ErrorMsg, result.VerificationDetailList) == (None, None, [])
    assert (result.BestFrameBase64, result.VideoBase64, result.Extra) == (None, None, None)


def test_a_finished_flow_takes_no_second_attempt(cloud: LocalCloud) -> None:
    token = finished_token(cloud)

    again = press(cloud, token, "fail")

    assert again.status_code == 200
    assert "location" not in again.headers
    assert "already" in again.text
    assert cloud.client().GetWebVerificationResultIntl(result_request(token)).ErrorCode == 0


def test_token_not_started_within_ten_minutes_shows_expired_and_reads_token_expired(
    cloud: LocalCloud,
) -> None:
    applied = cloud.client().ApplyWebVerificationBizTokenIntl(apply_request())
    cloud.clock.advance(11 * 60)

    page = httpx.get(applied.VerificationURL, timeout=30)
    pressed = press(cloud, applied.BizToken, "pass")

    assert page.status_code == 410
    assert "expired" in page.text.lower()
    assert "location" not in pressed.headers
    result = cloud.client().GetWebVerificationResultIntl(result_request(applied.BizToken))
    assert (result.ErrorCode, result.ErrorMsg, result.VerificationDetailList) == (15, "Token expired", [])


def test_token_started_in_time_may_finish_later(cloud: LocalCloud) -> None:
    applied = cloud.client().ApplyWebVerificationBizTokenIntl(apply_request())
    httpx.get(applied.VerificationURL, timeout=30)
    cloud.clock.advance(11 * 60)

    assert press(cloud, applied.BizToken, "pass").status_code == 302


def test_result_is_readable_for_three_days_then_biz_token_expired(cloud: LocalCloud) -> None:
    token = finished_token(cloud)
    cloud.clock.advance(259_200 - 60)
    assert cloud.client().GetWebVerificationResultIntl(result_request(token)).ErrorCode == 0

    cloud.clock.advance(120)

    error = sdk_error(lambda: cloud.client().GetWebVerificationResultIntl(result_request(token)))
    assert error.get_code() == "InvalidParameterValue.BizTokenExpired"


@pytest.mark.parametrize("token", ["0AEEA2AE-7166-4EA4-BD82-3494ECF216BD", "not-a-token", ""])
def test_unknown_token_is_biz_token_illegal_and_its_page_an_error(cloud: LocalCloud, token: str) -> None:
    error = sdk_error(lambda: cloud.common().call_json("GetWebVerificationResultIntl", {"BizToken": token}))
    page = httpx.get(f"{cloud.faceid_url}/reflect/", params={"token": token}, timeout=30)

    assert error.get_code() == "InvalidParameterValue.BizTokenIllegal"
    assert page.status_code == 404
    assert 'id="pass"' not in page.text


def test_token_is_read_in_the_region_that_issued_it(cloud: LocalCloud) -> None:
    hongkong = cloud.client(region="ap-hongkong")
    token = hongkong.ApplyWebVerificationBizTokenIntl(apply_request()).BizToken
    press(cloud, token, "pass")

    assert hongkong.GetWebVerificationResultIntl(result_request(token)).ErrorCode == 0
    error = sdk_error(lambda: cloud.client(region=REGION).GetWebVerificationResultIntl(result_request(token)))
    assert error.get_code() == "InvalidParameterValue.BizTokenIllegal"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"CompareImageBase64": "not base64!"}, "InvalidParameterValue"),
        ({"CompareImageBase64": base64.b64encode(b"just some text").decode()}, "InvalidParameterValue"),
        (
            {"CompareImageBase64": "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()},
            "InvalidParameterValue",
        ),
        ({"CompareImageBase64": "A" * (8 * 1024 * 1024 + 4)}, "FailedOperation.ImageSizeTooLarge"),
        ({"Extra": "x" * 1001}, "InvalidParameterValue"),
        ({"RedirectURL": "/relative/path"}, "InvalidParameterValue"),
        ({"RedirectURL": None}, "MissingParameter"),
        ({"Config": {"CheckMode": "2"}}, "InvalidParameter"),
        ({"Config": {"IdCardType": "HKIDCard"}}, "UnknownParameter"),
        ({"Config": {"CheckMode": 5}}, "InvalidParameterValue"),
        ({"Config": {"SecurityLevel": 0}}, "InvalidParameterValue"),
        ({"Config": {"LivenessTimeout": 601}}, "InvalidParameterValue"),
        ({"Config": {"LivenessRetryLimit": 100}}, "InvalidParameterValue"),
    ],
    ids=[
        "not-base64",
        "not-an-image",
        "data-uri",
        "over-8mb",
        "long-extra",
        "relative-redirect",
        "no-redirect",
        "config-type",
        "config-unknown-field",
        "config-check-mode-5",
        "config-security-level-0",
        "config-liveness-timeout-601",
        "config-retry-limit-100",
    ],
)
def test_apply_checks_its_parameters(cloud: LocalCloud, params: dict[str, Any], code: str) -> None:
    body = {"RedirectURL": RETURN_URL, **params}

    error = sdk_error(
        lambda: cloud.common().call_json(
            "ApplyWebVerificationBizTokenIntl", {k: v for k, v in body.items() if v}
        )
    )

    assert error.get_code() == code


# --- Legacy flow (ApplyWebVerificationToken / GetWebVerificationResult via CommonClient) --------------


def legacy_token(cloud: LocalCloud, key: accounts.KeyPair = accounts.PERMANENT, quoted: bool = False) -> str:
    image_url = cloud.upload_via_faceid(JPEG, "ApplyWebVerificationToken")
    params = {
        "RedirectUrl": RETURN_URL,
        "CompareImageUrl": quote(image_url, safe="") if quoted else image_url,
        "CompareImageMd5": md5_hex(JPEG),
    }
    answer = cloud.common(key).call_json("ApplyWebVerificationToken", params)["Response"]
    assert answer["VerificationUrl"] == f"{cloud.faceid_url}/reflect/?token={answer['BizToken']}"
    return str(answer["BizToken"])


@KEYS
def test_legacy_flow_returns_media_urls_that_expire_ten_minutes_after_the_result_call(
    cloud: LocalCloud, key: accounts.KeyPair
) -> None:
    token = legacy_token(cloud, key)
    assert httpx.get(f"{cloud.faceid_url}/reflect/", params={"token": token}, timeout=30).status_code == 200
    assert press(cloud, token, "pass").headers["location"] == f"{RETURN_URL}?token={token}"

    result = cloud.common(key).call_json("GetWebVerificationResult", {"BizToken": token})["Response"]

    assert (result["ErrorCode"], result["ErrorMsg"]) == (0, "Success")
    assert result["VerificationDetailList"][0]["ErrorCode"] == 0
    frame = cloud.fetch(result["VideoBestFrameUrl"])
    video = cloud.fetch(result["VideoUrl"])
    assert is_jpeg(frame.content)
    assert md5_hex(frame.content) == result["VideoBestFrameMd5"]
    assert is_mp4(video.content)
    assert md5_hex(video.content) == result["VideoMd5"]

    cloud.clock.advance(601)

    assert cloud.fetch(result["VideoBestFrameUrl"]).status_code == 403
    assert cloud.fetch(result["VideoUrl"]).status_code == 403


def test_legacy_apply_accepts_the_percent_encoded_url_of_the_doc_example(cloud: LocalCloud) -> None:
    assert legacy_token(cloud, quoted=True)


@pytest.mark.parametrize(
    ("upload", "md5", "code"),
    [
        (JPEG, md5_hex(b"something else"), "InvalidParameterValue"),
        (base64.b64encode(JPEG), md5_hex(base64.b64encode(JPEG)), "FailedOperation.ImageDecodeFailed"),
    ],
    ids=["md5-mismatch", "base64-text"],
)
def test_legacy_apply_downloads_and_checks_the_compare_image(
    cloud: LocalCloud, upload: bytes, md5: str, code: str
) -> None:
    image_url = cloud.upload_via_faceid(upload, "ApplyWebVerificationToken")
    params = {"RedirectUrl": RETURN_URL, "CompareImageUrl": image_url, "CompareImageMd5": md5}

    error = sdk_error(lambda: cloud.common().call_json("ApplyWebVerificationToken", params))

    assert error.get_code() == code


def test_legacy_token_has_two_hours_to_start(cloud: LocalCloud) -> None:
    token = legacy_token(cloud)
    cloud.clock.advance(7_200 + 60)

    assert httpx.get(f"{cloud.faceid_url}/reflect/", params={"token": token}, timeout=30).status_code == 410
    result = cloud.common().call_json("GetWebVerificationResult", {"BizToken": token})["Response"]
    assert (result["ErrorCode"], result["VideoBestFrameUrl"]) == (15, None)


def test_tokens_of_one_flow_are_unknown_to_the_other(cloud: LocalCloud) -> None:
    legacy = legacy_token(cloud)
    intl = finished_token(cloud)

    assert sdk_error(
        lambda: cloud.common().call_json("GetWebVerificationResultIntl", {"BizToken": legacy})
    ).get_code() == ("InvalidParameterValue.BizTokenIllegal")
    assert sdk_error(
        lambda: cloud.common().call_json("GetWebVerificationResult", {"BizToken": intl})
    ).get_code() == ("InvalidParameterValue.BizTokenIllegal")
