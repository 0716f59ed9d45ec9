"""FaceID contract: the app-SDK actions (CreateUploadUrl, GenerateReflectSequence,
DetectReflectLivenessAndCompare) with their resources on the real COS emulator: region-matched URLs,
32-hex MD5s, downloads, content checks, media lifetimes, scripted outcomes and rate limits."""

import asyncio
import base64
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.faceid.v20180301 import models

from localcloud import accounts
from localcloud.clock import Clock
from localcloud.faceid.service import FaceIdService
from localcloud.server import free_port, serve
from tests.contract.faceid.harness import (
    DEVICE_DATA,
    JPEG,
    LIVE_DATA,
    REGION,
    LocalCloud,
    faceid_config,
    is_jpeg,
    md5_hex,
    sdk_error,
)

KEYS = pytest.mark.parametrize(
    "key", [accounts.PERMANENT, accounts.TEMPORARY], ids=["permanent", "temporary"]
)
BUCKET_HOST = "faceid-relay-singapore-1250000000.cos.ap-singapore.myqcloud.com"


def sequence_request(url: str, md5: str, level: str | None = None) -> models.GenerateReflectSequenceRequest:
    request = models.GenerateReflectSequenceRequest()
    request.DeviceDataUrl = url
    request.DeviceDataMd5 = md5
    request.SecurityLevel = level
    return request


def compare_request(
    live_url: str, live_md5: str, image_url: str, image_md5: str
) -> models.DetectReflectLivenessAndCompareRequest:
    request = models.DetectReflectLivenessAndCompareRequest()
    request.LiveDataUrl = live_url
    request.LiveDataMd5 = live_md5
    request.ImageUrl = image_url
    request.ImageMd5 = image_md5
    return request


def compare(
    cloud: LocalCloud,
    live: bytes = LIVE_DATA,
    image: bytes = JPEG,
    key: accounts.KeyPair = accounts.PERMANENT,
) -> models.DetectReflectLivenessAndCompareResponse:
    live_url = cloud.put_resource(live, "uploads/live-data/a")
    image_url = cloud.put_resource(image, "uploads/compare-image/a.jpg")
    request = compare_request(live_url, md5_hex(live), image_url, md5_hex(image))
    return cloud.client(key).DetectReflectLivenessAndCompare(request)


# --- CreateUploadUrl ---------------------------------------------------------------------------------


@KEYS
def test_upload_url_takes_a_put_and_the_resource_url_serves_it_for_two_hours(
    cloud: LocalCloud, key: accounts.KeyPair
) -> None:
    request = models.CreateUploadUrlRequest()
    request.TargetAction = "GenerateReflectSequence"

    answer = cloud.client(key).CreateUploadUrl(request)

    upload = urlsplit(answer.UploadUrl)
    resource = urlsplit(answer.ResourceUrl)
    assert upload.netloc == urlsplit(cloud.cos_url).netloc  # path-style on the local COS: a client reaches it
    assert upload.path.startswith("/faceid-resource-singapore-1254418846/faceid/GenerateReflectSequence/")
    assert (resource.scheme, resource.netloc) == (
        "https",
        "faceid-resource-singapore-1254418846.cos.ap-singapore.myqcloud.com",
    )
    assert abs(answer.ExpiredTimestamp - (cloud.clock.now() + 7200)) < 5
    assert httpx.put(answer.UploadUrl, content=DEVICE_DATA, timeout=30).status_code == 200
    assert cloud.fetch(answer.ResourceUrl).content == DEVICE_DATA

    cloud.clock.advance(7200 + 60)

    assert cloud.fetch(answer.ResourceUrl).status_code == 403


def test_upload_url_keeps_the_production_host_without_a_public_cos_url(cloud: LocalCloud) -> None:
    config = faceid_config(cloud.cos_url, cloud.faceid_url, cos_public_base_url=None)

    answer = FaceIdService(config, Clock()).create_upload_url(
        REGION, {"TargetAction": "ApplyWebVerificationToken"}
    )

    assert (
        urlsplit(answer["UploadUrl"]).netloc
        == "faceid-resource-singapore-1254418846.cos.ap-singapore.myqcloud.com"
    )


@pytest.mark.parametrize("target", ["ApplyWebVerificationToken", "ApplyReflectVerificationToken"])
def test_upload_url_accepts_every_resource_taking_action(cloud: LocalCloud, target: str) -> None:
    answer = cloud.common().call_json("CreateUploadUrl", {"TargetAction": target})

    assert f"/faceid/{target}/" in answer["Response"]["ResourceUrl"]


def test_upload_url_for_an_action_without_resources_is_invalid_parameter_value(cloud: LocalCloud) -> None:
    error = sdk_error(
        lambda: cloud.common().call_json("CreateUploadUrl", {"TargetAction": "GetWebVerificationResult"})
    )

    assert error.get_code() == "InvalidParameterValue"


# --- GenerateReflectSequence -------------------------------------------------------------------------


@KEYS
def test_sequence_is_generated_from_device_data_uploaded_through_faceid(
    cloud: LocalCloud, key: accounts.KeyPair
) -> None:
    url = cloud.upload_via_faceid(DEVICE_DATA, "GenerateReflectSequence")

    answer = cloud.client(key).GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA), "3"))

    sequence = cloud.fetch(answer.ReflectSequenceUrl)
    assert sequence.status_code == 200
    assert md5_hex(sequence.content) == answer.ReflectSequenceMd5
    assert urlsplit(answer.ReflectSequenceUrl).netloc.endswith(".cos.ap-singapore.myqcloud.com")


def test_sequence_accepts_the_apps_own_bucket_in_the_same_region(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a")

    answer = cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA).upper()))

    assert len(answer.ReflectSequenceMd5) == 32


def test_security_level_outside_1_to_4_is_invalid_parameter_value(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a")

    error = sdk_error(
        lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA), "5"))
    )

    assert error.get_code() == "InvalidParameterValue"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{BUCKET_HOST.replace('ap-singapore', 'ap-bangkok')}/uploads/device-data/a",
        f"http://{BUCKET_HOST}/uploads/device-data/a",
        f"https://evil.example/?next={BUCKET_HOST}/uploads/device-data/a",
        f"https://{BUCKET_HOST}.evil.example/uploads/device-data/a",
        f"https://{BUCKET_HOST}@evil.example/uploads/device-data/a",
        f"https://evil.example\\@{BUCKET_HOST}/uploads/device-data/a",
        f"https://{BUCKET_HOST}:8443/uploads/device-data/a",
        "https://cos.ap-singapore.myqcloud.com/faceid-relay-singapore-1250000000/uploads/device-data/a",
        "https://faceid-relay-singapore.cos.ap-singapore.myqcloud.com/uploads/device-data/a",
        "uploads/device-data/a",
    ],
    ids=[
        "other-region",
        "http",
        "host-in-query",
        "suffix-host",
        "userinfo",
        "backslash",
        "port",
        "path-style",
        "no-appid",
        "relative",
    ],
)
def test_resource_url_must_be_a_cos_bucket_of_the_request_region(cloud: LocalCloud, url: str) -> None:
    error = sdk_error(
        lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA)))
    )

    assert error.get_code() == "InvalidParameterValue"
    assert error.get_message().startswith("invalid resourceUrl")
    assert cloud.calls()[-1]["error_code"] == "InvalidParameterValue"


@pytest.mark.parametrize(
    "md5",
    [base64.b64encode(bytes(16)).decode(), "d41d8cd98f00b204e9800998ecf8427", "z" * 32],
    ids=["base64-content-md5", "31-hex", "not-hex"],
)
def test_md5_must_be_32_hex_characters(cloud: LocalCloud, md5: str) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a")

    error = sdk_error(lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5)))

    assert error.get_code() == "InvalidParameterValue"


def test_md5_that_does_not_match_the_content_is_an_md5_error(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a")

    error = sdk_error(
        lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(b"other")))
    )

    assert error.get_code() == "InvalidParameterValue"
    assert "MD5 Error" in error.get_message()


def test_missing_object_is_download_error(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a").replace(
        "/device-data/a?", "/device-data/gone?"
    )

    error = sdk_error(
        lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA)))
    )

    assert error.get_code() == "FailedOperation.DownLoadError"


def test_expired_presigned_url_is_download_error(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a", ttl=60)
    cloud.clock.advance(120)

    error = sdk_error(
        lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA)))
    )

    assert error.get_code() == "FailedOperation.DownLoadError"


def test_device_data_uploaded_as_base64_text_is_invalid_device_data(cloud: LocalCloud) -> None:
    text = base64.b64encode(DEVICE_DATA)
    url = cloud.put_resource(text, "uploads/device-data/a")

    error = sdk_error(lambda: cloud.client().GenerateReflectSequence(sequence_request(url, md5_hex(text))))

    assert (error.get_code(), error.get_message()) == ("InvalidParameterValue", "invalid DeviceData")


# --- Downloads from a COS that misbehaves ------------------------------------------------------------


@pytest.fixture
def slow_cos() -> Iterator[str]:
    """A "COS" that takes longer to answer than the emulator waits."""

    async def slow(_: object) -> Response:
        await asyncio.sleep(1.5)
        return Response(DEVICE_DATA)

    with serve(Starlette(routes=[Route("/{path:path}", slow)])) as server:
        yield server.url


def test_download_slower_than_the_timeout_is_download_timeout_error(
    slow_cos: str, start_faceid: Callable[..., LocalCloud]
) -> None:
    faceid = start_faceid(slow_cos, download_timeout_seconds=0.2)
    url = f"https://{BUCKET_HOST}/uploads/device-data/a"

    error = sdk_error(
        lambda: faceid.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA)))
    )

    assert error.get_code() == "FailedOperation.DownLoadTimeoutError"


def test_unreachable_cos_is_download_error(start_faceid: Callable[..., LocalCloud]) -> None:
    faceid = start_faceid(f"http://127.0.0.1:{free_port()}")
    url = f"https://{BUCKET_HOST}/uploads/device-data/a"

    error = sdk_error(
        lambda: faceid.client().GenerateReflectSequence(sequence_request(url, md5_hex(DEVICE_DATA)))
    )

    assert error.get_code() == "FailedOperation.DownLoadError"


# --- DetectReflectLivenessAndCompare -----------------------------------------------------------------


@KEYS
def test_compare_succeeds_with_a_jpeg_best_frame_valid_two_hours(
    cloud: LocalCloud, key: accounts.KeyPair
) -> None:
    answer = compare(cloud, key=key)

    assert (answer.Result, answer.Description) == ("Success", "Success")
    assert isinstance(answer.Sim, float)
    assert 80 <= answer.Sim < 99
    frame = cloud.fetch(answer.BestFrameUrl)
    assert frame.status_code == 200
    assert is_jpeg(frame.content)
    assert md5_hex(frame.content) == answer.BestFrameMd5

    cloud.clock.advance(7200 + 60)

    assert cloud.fetch(answer.BestFrameUrl).status_code == 403


def test_compare_similarity_is_deterministic_in_the_inputs(cloud: LocalCloud) -> None:
    assert compare(cloud).Sim == compare(cloud).Sim


def test_compare_accepts_resources_uploaded_through_faceid(cloud: LocalCloud) -> None:
    live_url = cloud.upload_via_faceid(LIVE_DATA, "DetectReflectLivenessAndCompare")
    image_url = cloud.upload_via_faceid(JPEG, "DetectReflectLivenessAndCompare")

    answer = cloud.client().DetectReflectLivenessAndCompare(
        compare_request(live_url, md5_hex(LIVE_DATA), image_url, md5_hex(JPEG))
    )

    assert answer.Result == "Success"


def test_image_uploaded_as_base64_text_is_image_decode_failed(cloud: LocalCloud) -> None:
    error = sdk_error(lambda: compare(cloud, image=base64.b64encode(JPEG)))

    assert error.get_code() == "FailedOperation.ImageDecodeFailed"


def test_live_data_uploaded_as_base64_text_is_invalid_live_data(cloud: LocalCloud) -> None:
    error = sdk_error(lambda: compare(cloud, live=base64.b64encode(LIVE_DATA)))

    assert (error.get_code(), error.get_message()) == ("InvalidParameterValue", "invalid LiveData")


def test_live_data_and_image_must_be_two_different_resources(cloud: LocalCloud) -> None:
    url = cloud.put_resource(JPEG, "uploads/compare-image/a.jpg")
    same_object = url.replace("/compare-image/", "/compare%2Dimage/")
    request = compare_request(url, md5_hex(JPEG), same_object, md5_hex(JPEG))

    error = sdk_error(lambda: cloud.client().DetectReflectLivenessAndCompare(request))

    assert error.get_code() == "InvalidParameterValue"


def test_compare_image_md5_mismatch_is_an_md5_error(cloud: LocalCloud) -> None:
    live_url = cloud.put_resource(LIVE_DATA, "uploads/live-data/a")
    image_url = cloud.put_resource(JPEG, "uploads/compare-image/a.jpg")
    request = compare_request(live_url, md5_hex(LIVE_DATA), image_url, md5_hex(JPEG + b"changed"))

    error = sdk_error(lambda: cloud.client().DetectReflectLivenessAndCompare(request))

    assert "MD5 Error" in error.get_message()


def test_scripted_spoof_outcome_applies_to_the_next_call_only(cloud: LocalCloud) -> None:
    scripted = {
        "action": "DetectReflectLivenessAndCompare",
        "result": "FailedOperation.LivessDetectFake",
        "sim": 0,
    }
    assert cloud.control("POST", "outcomes", scripted).status_code == 204

    spoofed = compare(cloud)
    after = compare(cloud)

    assert (spoofed.Result, spoofed.Sim, spoofed.BestFrameUrl) == (
        "FailedOperation.LivessDetectFake",
        0.0,
        None,
    )
    assert spoofed.Description == "Suspected spoofed recording."
    assert after.Result == "Success"


def test_scripted_low_similarity_still_returns_a_best_frame(cloud: LocalCloud) -> None:
    cloud.control(
        "POST", "outcomes", {"action": "DetectReflectLivenessAndCompare", "result": "Success", "sim": 42.5}
    )

    answer = compare(cloud)

    assert (answer.Result, answer.Sim) == ("Success", 42.5)
    assert is_jpeg(cloud.fetch(answer.BestFrameUrl).content)


# --- Rate limits ---------------------------------------------------------------------------------------


def calls_until_refused(call: Callable[[], object], at_most: int = 30) -> list[str | None]:
    """Error codes of quick successive calls (None: success), stopping at the first refusal."""
    codes: list[str | None] = []
    for _ in range(at_most):
        try:
            call()
            codes.append(None)
        except TencentCloudSDKException as error:
            codes.append(error.get_code())
            break
    return codes


def test_sixth_quick_sequence_call_is_request_limit_exceeded(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a")
    request = sequence_request(url, md5_hex(DEVICE_DATA))
    client = cloud.client()

    codes = calls_until_refused(lambda: client.GenerateReflectSequence(request))

    # 5 per second and SecretId; on a slow machine a few more may fit in before the window fills.
    assert codes[:5] == [None] * 5
    assert codes[-1] == "RequestLimitExceeded"
    assert (
        cloud.client(accounts.TEMPORARY).GenerateReflectSequence(request).ReflectSequenceMd5
    )  # other SecretId


def test_reset_clears_the_rate_limit_windows(cloud: LocalCloud) -> None:
    url = cloud.put_resource(DEVICE_DATA, "uploads/device-data/a")
    request = sequence_request(url, md5_hex(DEVICE_DATA))
    client = cloud.client()
    assert calls_until_refused(lambda: client.GenerateReflectSequence(request))[-1] == "RequestLimitExceeded"

    assert cloud.control("POST", "reset").status_code == 204

    assert client.GenerateReflectSequence(request).ReflectSequenceMd5
