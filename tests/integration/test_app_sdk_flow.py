"""The app-SDK (reflection liveness) flow: device data → light sequence; live data + compare image →
liveness comparison with the best frame kept in our bucket. Also FaceID's own CreateUploadUrl path."""

import requests

from tests.integration.relay import Relay, binary_blob, md5_hex, photo


def test_light_sequence_is_generated_from_uploaded_device_data(relay: Relay) -> None:
    key = relay.upload("device-data", binary_blob(), "application/octet-stream")

    answer = relay.wait_for_record(
        lambda: relay.post("/sequences", {"deviceDataKey": key, "securityLevel": "4"})
    )

    assert answer.status_code == 200, answer.text
    sequence = answer.json()
    body = requests.get(sequence["reflectSequenceUrl"], timeout=30)
    assert body.status_code == 200
    assert md5_hex(body.content) == sequence["reflectSequenceMd5"]


def test_liveness_comparison_passes_and_keeps_the_best_frame(relay: Relay) -> None:
    live = relay.upload("live-data", binary_blob(), "application/octet-stream")
    image = relay.upload("compare-image", photo(), "image/jpeg")

    answer = relay.wait_for_record(
        lambda: relay.post("/liveness-comparisons", {"liveDataKey": live, "imageKey": image})
    )

    assert answer.status_code == 200, answer.text
    comparison = answer.json()
    assert comparison["result"] == "Success"
    assert comparison["passed"] is True
    assert comparison["similarity"] >= 70
    frame = requests.get(comparison["bestFrame"]["url"], timeout=30)
    assert md5_hex(frame.content) == comparison["bestFrame"]["md5"]


def test_a_spoof_verdict_is_a_result_not_an_error(relay: Relay) -> None:
    live = relay.upload("live-data", binary_blob(), "application/octet-stream")
    image = relay.upload("compare-image", photo(), "image/jpeg")
    relay.stack.control(
        "faceid",
        "outcomes",
        {"action": "DetectReflectLivenessAndCompare", "result": "FailedOperation.LivessDetectFake"},
    )

    answer = relay.wait_for_record(
        lambda: relay.post("/liveness-comparisons", {"liveDataKey": live, "imageKey": image})
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["passed"] is False
    assert answer.json()["result"] == "FailedOperation.LivessDetectFake"


def test_faceid_upload_url_path_needs_the_callers_md5(relay: Relay) -> None:
    data = binary_blob()
    answer = relay.request_faceid_upload(data)
    assert answer.status_code == 200, answer.text
    upload = answer.json()
    assert "MD5" in upload["next"]
    assert requests.put(upload["uploadUrl"], data=data, timeout=30).status_code == 200

    sequence = relay.post(
        "/sequences", {"deviceDataUrl": upload["resourceUrl"], "deviceDataMd5": md5_hex(data)}
    )

    assert sequence.status_code == 200, sequence.text
