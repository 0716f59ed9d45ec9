"""FaceID contract: the control plane tests rely on (faults as the SDK sees them, the call log, reset,
the shared clock) and the rules behind it that need no HTTP (rate-limit window, configuration)."""

import time
from typing import Any

import pytest
import requests
from tencentcloud.faceid.v20180301 import models

from localcloud.faceid.errors import RequestLimitExceededError
from localcloud.faceid.ratelimit import RateLimiter
from tests.contract.faceid.harness import REGION, RESOURCE_BUCKETS, LocalCloud, faceid_config, sdk_error


def upload_url(cloud: LocalCloud, timeout: float = 30) -> models.CreateUploadUrlResponse:
    request = models.CreateUploadUrlRequest()
    request.TargetAction = "GenerateReflectSequence"
    return cloud.client(timeout=timeout).CreateUploadUrl(request)


def add_fault(cloud: LocalCloud, **fault: Any) -> None:
    answer = cloud.control("POST", "faults", {"action": "CreateUploadUrl", **fault})
    assert answer.status_code == 204, answer.text


def test_injected_error_code_fails_the_next_n_calls(cloud: LocalCloud) -> None:
    add_fault(cloud, error_code="InternalError", message="backend hiccup", count=2)

    first, second = (sdk_error(lambda: upload_url(cloud)) for _ in range(2))

    assert [(e.get_code(), e.get_message()) for e in (first, second)] == [
        ("InternalError", "backend hiccup")
    ] * 2
    assert upload_url(cloud).UploadUrl


def test_injected_http_status_is_a_server_network_error(cloud: LocalCloud) -> None:
    add_fault(cloud, http_status=502)

    error = sdk_error(lambda: upload_url(cloud))

    assert error.get_code() == "ServerNetworkError"


def test_dropped_connection_is_a_client_network_error(cloud: LocalCloud) -> None:
    add_fault(cloud, drop_connection=True)

    error = sdk_error(lambda: upload_url(cloud))

    assert error.get_code() == "ClientNetworkError"
    assert upload_url(cloud).UploadUrl
    assert cloud.calls()[0]["error_code"] == "InjectedFault.DropConnection"


def test_truncated_reply_is_not_a_client_network_error_in_the_sdk(cloud: LocalCloud) -> None:
    # The SDK reads the body after its network try-block: a reply cut short escapes its error mapping.
    add_fault(cloud, truncate_body=True, count=2)

    error = sdk_error(lambda: upload_url(cloud))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        cloud.common().call_json("CreateUploadUrl", {"TargetAction": "GenerateReflectSequence"})

    assert error.get_code() == "ChunkedEncodingError"


def test_delay_longer_than_the_client_timeout_is_a_client_network_error(cloud: LocalCloud) -> None:
    add_fault(cloud, delay_seconds=1.5)

    error = sdk_error(lambda: upload_url(cloud, timeout=0.3))

    assert error.get_code() == "ClientNetworkError"
    # After its delay the emulator still handles the call; wait for it so it does not leak into later tests.
    deadline = time.monotonic() + 15
    while not cloud.calls() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cloud.calls() == [{"action": "CreateUploadUrl", "region": REGION, "error_code": None}]


def test_delete_clears_pending_faults(cloud: LocalCloud) -> None:
    add_fault(cloud, error_code="InternalError", count=3)

    assert cloud.control("DELETE", "faults").status_code == 204

    assert upload_url(cloud).UploadUrl


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "DescribeNothing", "error_code": "InternalError"},
        {"action": "CreateUploadUrl"},
        {"action": "CreateUploadUrl", "http_status": 200},
        {"action": "CreateUploadUrl", "error_code": "InternalError", "count": 0},
    ],
    ids=["unknown-action", "no-effect", "status-200", "count-0"],
)
def test_malformed_faults_are_refused(cloud: LocalCloud, fault: dict[str, Any]) -> None:
    assert cloud.control("POST", "faults", fault).status_code == 400


def test_outcomes_are_scripted_for_detect_reflect_liveness_and_compare_only(cloud: LocalCloud) -> None:
    answer = cloud.control("POST", "outcomes", {"action": "CreateUploadUrl", "result": "Success"})

    assert answer.status_code == 400


def test_call_log_lists_every_call_with_its_error_code(cloud: LocalCloud) -> None:
    upload_url(cloud)
    sdk_error(lambda: cloud.common().call_json("CreateUploadUrl", {"TargetAction": "Nope"}))
    sdk_error(lambda: cloud.common(region="ap-jakarta").call_json("GenerateReflectSequence", {}))

    assert cloud.calls() == [
        {"action": "CreateUploadUrl", "region": REGION, "error_code": None},
        {"action": "CreateUploadUrl", "region": REGION, "error_code": "InvalidParameterValue"},
        {"action": "GenerateReflectSequence", "region": "ap-jakarta", "error_code": "UnsupportedRegion"},
    ]


def test_reset_clears_faults_outcomes_and_calls(cloud: LocalCloud) -> None:
    upload_url(cloud)
    add_fault(cloud, error_code="InternalError")
    cloud.control(
        "POST", "outcomes", {"action": "DetectReflectLivenessAndCompare", "result": "Success", "sim": 1}
    )

    assert cloud.control("POST", "reset").status_code == 204

    assert cloud.calls() == []
    assert upload_url(cloud).UploadUrl


def test_clock_control_advances_the_shared_clock(cloud: LocalCloud) -> None:
    before = cloud.clock.now()

    answer = cloud.control("POST", "clock", {"advance": 3600})

    assert answer.status_code == 200
    assert answer.json()["now"] >= before + 3600
    assert cloud.clock.now() >= before + 3600
    assert cloud.control("POST", "clock", {"advance": "an hour"}).status_code == 400


def test_clock_control_can_wind_back_what_a_test_moved(cloud: LocalCloud) -> None:
    cloud.control("POST", "clock", {"advance": 3600})

    answer = cloud.control("POST", "clock", {"advance": -3600})

    assert answer.status_code == 200
    assert abs(answer.json()["now"] - time.time()) < 60


def test_rate_limit_window_slides_per_action_and_secret_id() -> None:
    now = [100.0]
    limiter = RateLimiter({"GenerateReflectSequence": 5, "CreateUploadUrl": 20}, monotonic=lambda: now[0])
    for _ in range(5):
        limiter.admit("GenerateReflectSequence", "AKID1")

    with pytest.raises(RequestLimitExceededError):
        limiter.admit("GenerateReflectSequence", "AKID1")
    limiter.admit("GenerateReflectSequence", "AKID2")
    limiter.admit("CreateUploadUrl", "AKID1")
    now[0] += 0.999
    with pytest.raises(RequestLimitExceededError):
        limiter.admit("GenerateReflectSequence", "AKID1")
    now[0] += 0.001
    limiter.admit("GenerateReflectSequence", "AKID1")


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"resource_buckets": {REGION: RESOURCE_BUCKETS[REGION]}}, "no bucket for"),
        ({"resource_buckets": {**RESOURCE_BUCKETS, REGION: "Bucket_Without_Appid"}}, "<name>-<appid>"),
        ({"rate_limits": {"Frobnicate": 3}}, "rate_limits"),
        ({"public_base_url": "127.0.0.1:9001"}, "public_base_url"),
        ({"download_timeout_seconds": 0}, "download_timeout_seconds"),
    ],
    ids=["missing-region", "bucket-name", "unknown-action", "no-scheme", "zero-timeout"],
)
def test_configuration_is_checked_at_start(override: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        faceid_config("http://127.0.0.1:9000", "http://127.0.0.1:9001", **override)


def test_rate_limit_overrides_keep_the_other_defaults() -> None:
    config = faceid_config(
        "http://127.0.0.1:9000", "http://127.0.0.1:9001", rate_limits={"CreateUploadUrl": 2}
    )

    limits = config.effective_rate_limits()

    assert (
        limits["CreateUploadUrl"],
        limits["GenerateReflectSequence"],
        limits["GetWebVerificationResult"],
    ) == (2, 5, 20)
