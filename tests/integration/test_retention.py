"""Retention as deployed: every object the flows write sits under a prefix whose lifecycle rule is the one
deploy/README.md promises, is encrypted at rest, and a verification's records outlive its media."""

from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests
from qcloud_cos import CosS3Client

from localcloud.cos.lifecycle import after_whole_days
from tests.integration.bucket import expiry_rules, keys, owner_client, readme_retention
from tests.integration.relay import Relay, binary_blob, photo

DAY = 86400


@pytest.fixture(scope="module")
def owner(relay: Relay) -> CosS3Client:
    return owner_client(relay.stack)


@pytest.fixture(scope="module")
def flows(relay: Relay) -> dict[str, Any]:
    """Both flows once, start to end (web with an Idempotency-Key; app SDK: sequence and comparison)."""
    image = relay.upload("compare-image", photo(), "image/jpeg")
    body = {"compareImageKey": image, "returnUrl": f"{relay.base}/demo/result", "reference": "keep"}
    answer = relay.wait_for_record(
        lambda: relay.post("/verifications", body, headers={"Idempotency-Key": "retention-test-0001"})
    )
    assert answer.status_code == 200, answer.text
    issued = answer.json()
    assert relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass")).status_code == 302
    device = relay.upload("device-data", binary_blob(), "application/octet-stream")
    sequence = relay.wait_for_record(
        lambda: relay.post("/sequences", {"deviceDataKey": device, "securityLevel": "4"})
    )
    assert sequence.status_code == 200, sequence.text
    live = relay.upload("live-data", binary_blob(), "application/octet-stream")
    other_image = relay.upload("compare-image", photo(), "image/jpeg")
    comparison = relay.wait_for_record(
        lambda: relay.post("/liveness-comparisons", {"liveDataKey": live, "imageKey": other_image})
    )
    assert comparison.status_code == 200, comparison.text
    requests.post(f"{relay.stack.cos}/_control/drain", timeout=30)
    return {"token": issued["bizToken"], "comparison": comparison.json()}


def top_prefix(key: str) -> str:
    return key.split("/", 1)[0] + "/"


@contextmanager
def clock_at(relay: Relay, moment: float) -> Iterator[None]:
    """The emulators' clock at `moment` (COS runs its daily lifecycle on the way), then back to now."""
    now = relay.stack.control("cos", "clock", {"advance": 0})["now"]
    relay.stack.control("cos", "clock", {"advance": moment - now})
    try:
        yield
    finally:
        relay.stack.control("cos", "clock", {"advance": now - moment})


def written_at(owner: CosS3Client, bucket: str, key: str) -> float:
    return parsedate_to_datetime(owner.head_object(Bucket=bucket, Key=key)["Last-Modified"]).timestamp()


def test_every_prefix_written_has_the_rule_the_readme_promises(
    relay: Relay, owner: CosS3Client, flows: Any
) -> None:
    written = {top_prefix(key) for key in keys(owner, relay.stack.bucket)}
    rules, promised = expiry_rules(owner, relay.stack.bucket), readme_retention()

    assert written >= {
        "uploads/",
        "upload-expectations/",
        "upload-records/",
        "verifications/",
        "idempotency/",
        "results/",
    }
    assert {prefix: rules.get(prefix) for prefix in written} == {
        prefix: promised.get(prefix) for prefix in written
    }
    assert rules == promised


def test_every_object_the_relay_writes_or_presigns_is_encrypted_at_rest(
    relay: Relay, owner: CosS3Client, flows: Any
) -> None:
    unencrypted = [
        key
        for key in keys(owner, relay.stack.bucket)
        if owner.head_object(Bucket=relay.stack.bucket, Key=key).get("x-cos-server-side-encryption")
        != "AES256"
    ]

    assert unencrypted == []


def test_a_result_outlives_its_media_and_goes_with_it(relay: Relay, owner: CosS3Client, flows: Any) -> None:
    token, bucket = flows["token"], relay.stack.bucket
    rules = expiry_rules(owner, bucket)
    media_written = max(written_at(owner, bucket, key) for key in keys(owner, bucket, f"results/{token}/"))
    media_expire = after_whole_days(media_written, rules["results/"])

    with clock_at(relay, media_written + 3 * DAY):
        pass
    after_three_days = relay.get(f"/verifications/{token}")
    assert keys(owner, bucket, "uploads/") == [], "uploads are gone after a day"
    assert after_three_days.status_code == 200, after_three_days.text
    assert requests.get(after_three_days.json()["media"]["bestFrame"]["url"], timeout=30).status_code == 200

    with clock_at(relay, media_expire):
        pass
    assert keys(owner, bucket, f"results/{token}/") == [], "the media are gone after their retention"
    assert keys(owner, bucket, f"verifications/{token}/") != [], "the records stay a day longer"

    with clock_at(relay, media_expire + DAY):
        pass
    assert relay.get(f"/verifications/{token}").status_code == 404
    assert keys(owner, bucket) == [], "nothing outlives the longest rule"
