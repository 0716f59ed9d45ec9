"""COS events as Tencent publishes them, through hash_on_upload in a deployment without a working trigger
(no notification is delivered, as on AWS or when an event is lost): every upload still gets its record,
on first use if need be, and an event that cannot be read fails loudly."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from qcloud_cos import CosS3Client

from faceid_relay.models.records import upload_expectation_key
from tests.integration.bucket import keys, owner_client
from tests.integration.relay import Relay, md5_hex, photo

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_KEY = "uploads/compare-image/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CLIENT_UPLOADS = [
    "hash_on_upload.scf-cos-doc-sample",
    "hash_on_upload.scf-cos-go-lib",
    "hash_on_upload.scf-cos-v4-region",
]


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack("--deliveries", "0")


@pytest.fixture(scope="module")
def owner(relay: Relay) -> CosS3Client:
    return owner_client(relay.stack)


def place_upload(relay: Relay, owner: CosS3Client, marker: bytes) -> None:
    """A fresh version of the sample events' object, as a client would upload it after POST /uploads."""
    data = photo() + marker
    expectation = {
        "key": SAMPLE_KEY,
        "size": len(data),
        "md5": md5_hex(data),
        "contentType": "image/jpeg",
        "createdAt": "2026-11-30T00:00:00Z",
    }
    bucket = relay.stack.bucket
    owner.put_object(
        Bucket=bucket, Key=upload_expectation_key(SAMPLE_KEY), Body=json.dumps(expectation).encode()
    )
    owner.put_object(Bucket=bucket, Key=SAMPLE_KEY, Body=data, ContentType="image/jpeg")


def invoke(relay: Relay, event: object) -> requests.Response:
    return requests.post(f"{relay.base}/_invoke/hash_on_upload", json=event, timeout=60)


@pytest.mark.parametrize("sample", CLIENT_UPLOADS)
def test_tencents_published_events_record_the_upload(relay: Relay, owner: CosS3Client, sample: str) -> None:
    place_upload(relay, owner, sample.encode())
    records_before = set(keys(owner, relay.stack.bucket, "upload-records/"))

    answer = invoke(relay, json.loads((EVENTS / f"{sample}.json").read_text()))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"recorded": [SAMPLE_KEY], "refused": []}
    assert len(set(keys(owner, relay.stack.bucket, "upload-records/")) - records_before) == 1


def test_a_copy_event_is_never_recorded_as_an_upload(relay: Relay, owner: CosS3Client) -> None:
    place_upload(relay, owner, b"copied")

    answer = invoke(relay, json.loads((EVENTS / "hash_on_upload.scf-cos-copy.json").read_text()))

    assert answer.json() == {"recorded": [], "refused": [SAMPLE_KEY]}


def test_an_unreadable_event_fails_with_an_error_log_and_a_metric(relay: Relay) -> None:
    event = json.loads((EVENTS / "hash_on_upload.scf-cos.json").read_text())
    del event["Records"][0]["cos"]["cosObject"]["key"]

    answer = invoke(relay, event)

    assert answer.status_code == 500, "the platform sees a failure, so it retries and dead-letters"
    lines = [json.loads(line) for line in relay.stack.log_text().splitlines() if line.startswith("{")]
    assert any(
        line.get("level") == "ERROR" and line.get("message") == "unreadable COS event" for line in lines
    )
    assert any(line.get("UnreadableCosEvents") == [1.0] for line in lines)


def test_without_a_trigger_the_first_use_hashes_the_upload(relay: Relay, owner: CosS3Client) -> None:
    """An AWS-only deployment: nothing hashes uploads in the background, and both flows still complete."""
    image = relay.upload("compare-image", photo(), "image/jpeg")
    live = relay.upload("live-data", b"\x00\xff" * 2048, "application/octet-stream")
    assert keys(owner, relay.stack.bucket, f"upload-records/{image.removeprefix('uploads/')}/") == []

    verification = relay.post(
        "/verifications", {"compareImageKey": image, "returnUrl": f"{relay.base}/demo/result"}
    )
    comparison = relay.post("/liveness-comparisons", {"liveDataKey": live, "imageKey": image})

    assert verification.status_code == 200, verification.text
    assert comparison.status_code == 200, comparison.text
    (record,) = keys(owner, relay.stack.bucket, f"upload-records/{image.removeprefix('uploads/')}/")
    assert json.loads(
        owner.get_object(Bucket=relay.stack.bucket, Key=record)["Body"].get_raw_stream().read()
    )["md5"] == md5_hex(photo())
