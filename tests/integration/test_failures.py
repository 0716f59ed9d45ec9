"""What a user meets when something is wrong: each answer is a 4xx/5xx JSON {code, message, field?}
that says what to do, and nothing stored is half-written."""

import requests

from tests.integration.relay import Relay, as_base64_text, binary_blob, md5_hex, photo


def test_bytes_that_do_not_match_the_declared_md5_are_refused_by_storage(relay: Relay) -> None:
    data = photo()
    upload = relay.post(
        "/uploads",
        {
            "purpose": "compare-image",
            "size": len(data),
            "contentType": "image/jpeg",
            "md5": md5_hex(b"other"),
        },
    ).json()

    put = requests.put(upload["uploadUrl"], data=data, headers=upload["headers"], timeout=30)

    assert put.status_code == 400
    assert b"BadDigest" in put.content


def test_an_expired_upload_url_is_refused(relay: Relay) -> None:
    data = photo()
    upload = relay.post(
        "/uploads", {"purpose": "compare-image", "size": len(data), "contentType": "image/jpeg"}
    ).json()
    relay.stack.control("cos", "clock", {"advance": 3600})
    try:
        put = requests.put(upload["uploadUrl"], data=data, headers=upload["headers"], timeout=30)
    finally:
        relay.stack.control("cos", "clock", {"advance": -3600})

    assert put.status_code == 403


def test_base64_text_uploaded_as_an_image_is_refused_before_faceid(relay: Relay) -> None:
    key = relay.upload("compare-image", as_base64_text(photo()), "image/jpeg")

    answer = relay.wait_for_record(
        lambda: relay.post(
            "/verifications", {"compareImageKey": key, "returnUrl": f"{relay.base}/demo/result"}
        )
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "InvalidContent"
    assert answer.json()["field"] == "compareImageKey"


def test_a_resource_url_in_another_region_is_refused_before_faceid(relay: Relay) -> None:
    url = "https://faceid-resource-bangkok-1254418846.cos.ap-bangkok.myqcloud.com/faceid/x?q-signature=0"

    answer = relay.post("/sequences", {"deviceDataUrl": url, "deviceDataMd5": md5_hex(b"x")})

    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidResourceUrl"
    assert answer.json()["field"] == "deviceDataUrl"


def test_a_wrong_md5_for_a_resource_url_is_reported_as_changed_content(relay: Relay) -> None:
    data = binary_blob()
    upload = relay.request_faceid_upload(data).json()
    requests.put(upload["uploadUrl"], data=data, timeout=30)

    answer = relay.post(
        "/sequences", {"deviceDataUrl": upload["resourceUrl"], "deviceDataMd5": md5_hex(b"nope")}
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "ContentChanged"


def test_a_missing_upload_is_a_clear_404(relay: Relay) -> None:
    answer = relay.post("/sequences", {"deviceDataKey": "uploads/device-data/" + "0" * 32})

    assert answer.status_code == 404
    assert answer.json()["code"] == "UploadNotFound"


def recorded_device_data(relay: Relay) -> str:
    """An uploaded device-data package whose MD5 record exists (one sequence already generated from it)."""
    key = relay.upload("device-data", binary_blob(), "application/octet-stream")
    relay.wait_for_record(lambda: relay.post("/sequences", {"deviceDataKey": key}))
    return key


def sequence_while_faceid_fails(relay: Relay, error_code: str, count: int) -> requests.Response:
    """POST /sequences for a recorded upload while FaceID answers `error_code` to its next `count` calls."""
    key = recorded_device_data(relay)
    fault = {"action": "GenerateReflectSequence", "count": count, "error_code": error_code}
    relay.stack.control("faceid", "faults", fault)
    try:
        return relay.post("/sequences", {"deviceDataKey": key})
    finally:
        requests.delete(f"{relay.stack.faceid}/_control/faults", timeout=10)


def test_rate_limits_are_retried_inside_the_function(relay: Relay) -> None:
    answer = sequence_while_faceid_fails(relay, "RequestLimitExceeded", count=2)

    assert answer.status_code == 200, answer.text


def test_persistent_rate_limiting_answers_429_with_retry_after(relay: Relay) -> None:
    answer = sequence_while_faceid_fails(relay, "FailedOperation.RequestLimitExceeded", count=1000)

    assert answer.status_code == 429
    assert answer.json()["code"] == "RateLimited"
    assert int(answer.headers["Retry-After"]) >= 1


def test_download_errors_at_faceid_answer_424_with_a_hint(relay: Relay) -> None:
    answer = sequence_while_faceid_fails(relay, "FailedOperation.DownLoadError", count=1)

    assert answer.status_code == 424
    assert answer.json()["code"] == "ProviderDownloadFailed"


def test_endpoints_refuse_requests_without_the_app_token(relay: Relay) -> None:
    answer = requests.post(f"{relay.base}/uploads", json={"purpose": "compare-image"}, timeout=30)

    assert answer.status_code == 401
    assert answer.json()["code"] == "Unauthorized"
