"""At-least-once: with every COS event delivered three times and five racers per token, one record of each
kind comes out, every racer gets the same answer, and nothing the functions write fires the trigger."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.hardening.harness import FIGURES, UPLOADS_PREFIX, Bucket, drain
from tests.integration.relay import Relay, binary_blob, photo

DELIVERIES = 3
RACERS = 5
MEDIA = {"best-frame.jpg", "video.mp4"}


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack("--deliveries", str(DELIVERIES))


@pytest.fixture(scope="module")
def bucket(relay: Relay) -> Bucket:
    return Bucket(relay.stack)


def race(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    """Send the calls at the same moment, one thread each."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def without_links(result: dict[str, Any]) -> dict[str, Any]:
    """A result read minus what is minted per read (presigned links and when they expire)."""
    return {**result, "media": {name: item["md5"] for name, item in result["media"].items()}}


def issued_and_done(relay: Relay, choice: str) -> tuple[str, str]:
    image = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(image, reference=f"race-{choice}")
    return issued["bizToken"], relay.complete_on_faceid(issued["verificationUrl"], choice)


def redirected_status(answer: requests.Response) -> str:
    return parse_qs(urlsplit(answer.headers["Location"]).query)["status"][0]


def assert_one_result(bucket: Bucket, token: str) -> dict[str, Any]:
    """One session, one final record, one object per media name, each as the final record states."""
    assert bucket.keys(f"verifications/{token}/") == {
        f"verifications/{token}/session.json",
        f"verifications/{token}/final.json",
    }
    assert bucket.keys(f"results/{token}/") == {f"results/{token}/{name}" for name in MEDIA}
    final = bucket.read_json(f"verifications/{token}/final.json")
    for item in final["media"].values():
        assert bucket.md5(item["key"]) == item["md5"]
    return final


def test_an_upload_delivered_three_times_is_recorded_once(relay: Relay, bucket: Bucket) -> None:
    keys = [
        relay.upload("compare-image", photo(), "image/jpeg"),
        relay.upload("device-data", binary_blob(), "application/octet-stream"),
        relay.upload("live-data", binary_blob(), "application/octet-stream"),
    ]

    deliveries = Counter((d["key"], d["status"]) for d in drain(relay.stack))

    for key in keys:
        assert deliveries[(key, 200)] == DELIVERIES
        assert len(bucket.keys(f"upload-records/{key.removeprefix('uploads/')}/")) == 1
    FIGURES["duplicate deliveries absorbed"] += (DELIVERIES - 1) * len(keys)


@pytest.mark.parametrize(("choice", "status"), [("pass", "passed"), ("fail", "failed"), ("spoof", "failed")])
def test_concurrent_callbacks_store_one_result_and_answer_it_or_pending(
    relay: Relay, bucket: Bucket, choice: str, status: str
) -> None:
    """FaceID is asked once per token and time window: the racers that lose answer pending (the stored
    result is the truth), never another result."""
    token, callback_url = issued_and_done(relay, choice)

    answers = race(*[lambda: relay.callback(callback_url)] * RACERS)

    assert {answer.status_code for answer in answers} == {302}
    statuses = [redirected_status(answer) for answer in answers]
    assert status in statuses
    assert set(statuses) <= {status, "pending"}
    assert assert_one_result(bucket, token)["status"] == status
    assert redirected_status(relay.callback(callback_url)) == status
    FIGURES["concurrent callbacks reconciled"] += RACERS


def test_callbacks_racing_result_reads_agree_on_one_result(relay: Relay, bucket: Bucket) -> None:
    token, callback_url = issued_and_done(relay, "pass")
    callbacks = [lambda: relay.callback(callback_url)] * RACERS
    reads = [lambda: relay.get(f"/verifications/{token}")] * RACERS

    answers = race(*callbacks, *reads)

    redirects, results = answers[:RACERS], answers[RACERS:]
    assert {answer.status_code for answer in redirects} == {302}
    assert {redirected_status(answer) for answer in redirects} <= {"passed", "pending"}
    assert {answer.status_code for answer in results} == {200}
    finished = [answer.json() for answer in results if answer.json()["status"] != "pending"]
    assert len({repr(without_links(result)) for result in finished}) <= 1
    final = assert_one_result(bucket, token)
    later = relay.get(f"/verifications/{token}").json()
    for result in [*finished, later]:
        assert result["finalizedAt"].rstrip("Z") == final["finalizedAt"].rstrip("Z")
    FIGURES["concurrent callbacks reconciled"] += 2 * RACERS


def test_concurrent_retries_with_one_idempotency_key_get_one_token(relay: Relay, bucket: Bucket) -> None:
    image = relay.upload("compare-image", photo(), "image/jpeg")
    drain(relay.stack)
    body = {"compareImageKey": image, "returnUrl": f"{relay.base}/demo/result", "reference": "race-key"}
    headers = {"Idempotency-Key": f"race-{image[-32:]}"}
    claimed = bucket.keys("idempotency/")

    answers = race(*[lambda: relay.post("/verifications", body, headers)] * RACERS)

    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.text for answer in answers}) == 1
    (record,) = bucket.keys("idempotency/") - claimed
    assert bucket.read_json(record)["bizToken"] == answers[0].json()["bizToken"]
    FIGURES["concurrent callbacks reconciled"] += RACERS


def test_nothing_the_functions_write_fires_the_trigger(relay: Relay, bucket: Bucket) -> None:
    before = len(drain(relay.stack))
    uploads = [
        relay.upload("device-data", binary_blob(), "application/octet-stream"),
        relay.upload("live-data", binary_blob(), "application/octet-stream"),
        relay.upload("compare-image", photo(), "image/jpeg"),
    ]
    drain(relay.stack)
    assert relay.post("/sequences", {"deviceDataKey": uploads[0]}).status_code == 200
    assert (
        relay.post("/liveness-comparisons", {"liveDataKey": uploads[1], "imageKey": uploads[2]}).status_code
        == 200
    )
    issued = relay.start_verification(uploads[2])
    assert relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass")).status_code == 302
    written = bucket.state()

    deliveries = drain(relay.stack)[before:]

    assert written, "the flows wrote records and results"
    assert all(delivery["key"].startswith(UPLOADS_PREFIX) for delivery in deliveries)
    assert Counter(delivery["key"] for delivery in deliveries) == dict.fromkeys(uploads, DELIVERIES)
