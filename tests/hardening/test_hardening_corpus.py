"""Real platform events (tests/hardening/corpus/), each sent raw to its function in a running deployment as
the platform would invoke it: every HTTP shape a client's request can arrive in is served, every client
error is a 4xx in the error shape with nothing stored, every COS event is recorded, refused or skipped as its
kind says (never a removal hashed as an upload), and every timer event runs a sweep."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from faceid_relay.models.records import UPLOAD_RECORDS_PREFIX, upload_expectation_key
from localcloud.webhooks import WEBHOOK_SECRET
from tests.hardening.harness import FIGURES, Bucket
from tests.hardening.test_hardening_logs import BANNER, known_secrets
from tests.integration.relay import Relay, md5_hex, photo

CORPUS = Path(__file__).parent / "corpus"
HTTP_EVENTS = sorted(path.stem for path in (CORPUS / "http").glob("*.json"))
COS_EVENTS = sorted(path.stem for path in (CORPUS / "cos").glob("*.json"))
# Events with a record no function can read (the platform retries them, then dead-letters).
UNREADABLE_COS_EVENTS = sorted(path.stem for path in (CORPUS / "cos-unreadable").glob("*.json"))
TIMER_EVENTS = sorted(path.stem for path in (CORPUS / "timer").glob("*.json"))
# The HTTP events a client got wrong ("<shape>.refused-<what>"), and the answer each must get.
REFUSED_HTTP = {
    "refused-multipart-form": (415, "UnsupportedContentType", None),
    "refused-urlencoded-form": (415, "UnsupportedContentType", None),
    "refused-text-plain": (415, "UnsupportedContentType", None),
    "refused-json-patch": (415, "UnsupportedContentType", None),
    "refused-base64-not-utf8": (400, "InvalidRequest", "body"),
    "refused-bom": (400, "InvalidRequest", "body"),
    "refused-two-authorizations": (401, "Unauthorized", None),
    "refused-console-template": (404, "RouteNotFound", None),
    "refused-alb-target": (400, "UnsupportedEvent", None),
    # `sam local generate-event apigateway aws-proxy|http-api-proxy` as generated: no app token.
    "refused-sam-aws-proxy-as-generated": (401, "Unauthorized", None),
    "refused-sam-http-api-proxy-as-generated": (401, "Unauthorized", None),
}
# What hash_on_upload answers for each COS event's objects: recorded (a client upload), refused (an object
# no client uploaded with our URL: copies, multipart, appends, origin pulls, replicas), or neither
# (removals and restores create no bytes; keys and buckets not ours are skipped).
RECORDED = {
    "created-put",
    "created-post",
    "created-any",
    "numeric-appid",
    "encoded-slashes",
    "full-bucket-name",
    "full-bucket-name-short-key",
    "created-put-temporary-credentials",
}
REFUSED = {
    "created-copy",
    "created-completemultipartupload",
    "created-append",
    "created-origin",
    "created-replication",
}
NO_OBJECT_CREATED = {
    "objectremove-any",
    "objectremove-delete",
    "objectremove-deletemarkercreated",
    "objectrestore-completed",
    "objectrestore-post",
}
NOT_OURS = {"foreign-unicode-key", "foreign-dot-segments", "foreign-other-prefix", "console-test-template"}


def read(kind: str, name: str) -> Any:
    return json.loads((CORPUS / kind / f"{name}.json").read_text(encoding="utf-8"))


def invoke(relay: Relay, function: str, event: Any) -> requests.Response:
    """The function's handler called with the event as is (the gateway's /_invoke, in the deployment)."""
    return requests.post(f"{relay.base}/_invoke/{function}", json=event, timeout=120)


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    # No notification is delivered: each COS event reaches hash_on_upload only when the test sends it.
    return make_stack("--deliveries", "0")


@pytest.fixture(scope="module")
def bucket(relay: Relay) -> Bucket:
    return Bucket(relay.stack)


def test_the_corpus_covers_every_platform_and_event_kind() -> None:
    shapes = {name.split(".")[0] for name in HTTP_EVENTS}

    assert shapes == {"scf-apigw", "scf-url", "lambda-v1", "lambda-v2", "lambda-url"}
    assert set(COS_EVENTS) == RECORDED | REFUSED | NO_OBJECT_CREATED | NOT_OURS | {"three-records"}
    assert {name.split(".")[0] for name in TIMER_EVENTS} == {"scf-timer", "eventbridge"}
    FIGURES["corpus events"] = (
        len(HTTP_EVENTS) + len(COS_EVENTS) + len(UNREADABLE_COS_EVENTS) + len(TIMER_EVENTS)
    )


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_every_http_event_is_served_or_refused_in_the_error_shape(
    relay: Relay, bucket: Bucket, name: str
) -> None:
    expectations = bucket.keys("upload-expectations/")

    answer = invoke(relay, "presign_upload", read("http", name))

    assert answer.status_code == 200, answer.text
    response = answer.json()
    body = json.loads(response["body"])
    refused = REFUSED_HTTP.get(name.split(".", 1)[1])
    if refused is None:
        assert response["statusCode"] == 200, body
        assert body["key"].startswith("uploads/compare-image/")
        assert upload_expectation_key(body["key"]) in bucket.keys("upload-expectations/")
    else:
        status, code, field = refused
        assert (response["statusCode"], body["code"], body.get("field")) == (status, code, field), body
        assert set(body) <= {"code", "message", "field"}
        assert bucket.keys("upload-expectations/") == expectations
    if not name.startswith("lambda-v2") and not name.startswith("lambda-url"):
        # SCF and REST APIs read `headers` and `isBase64Encoded` (reference §4.3).
        assert response["isBase64Encoded"] is False
        assert response["headers"]["Content-Type"] == "application/json"


def place_upload(bucket: Bucket, key: str) -> None:
    """The object a client uploaded with our URL, and what presign promised for it."""
    data = photo() + key.encode()
    expectation = {
        "key": key,
        "size": len(data),
        "md5": md5_hex(data),
        "contentType": "image/jpeg",
        "createdAt": "2026-11-30T00:00:00Z",
    }
    bucket.put(upload_expectation_key(key), json.dumps(expectation).encode(), "application/json")
    bucket.put(key, data, "image/jpeg")


def event_keys(event: dict[str, Any]) -> list[str]:
    """The object keys an event names, as hash_on_upload reads them (prefix off, percent-decoded)."""
    keys = []
    for record in event["Records"]:
        raw: str = record["cos"]["cosObject"]["key"]
        keys.append(unquote(raw.split("/", 3)[3]))
    return keys


def records_of(bucket: Bucket, key: str) -> set[str]:
    return bucket.keys(f"{UPLOAD_RECORDS_PREFIX}{key.removeprefix('uploads/')}/")


@pytest.mark.parametrize("name", COS_EVENTS)
def test_every_cos_event_is_recorded_refused_or_skipped_as_its_kind_says(
    relay: Relay, bucket: Bucket, name: str
) -> None:
    event = read("cos", name)
    keys = event_keys(event) if name not in NOT_OURS else []
    for key in keys:
        place_upload(bucket, key)
    state = bucket.state()

    answer = invoke(relay, "hash_on_upload", event)

    assert answer.status_code == 200, answer.text
    if name in RECORDED:
        assert answer.json() == {"recorded": keys, "refused": []}
    elif name in REFUSED:
        assert answer.json() == {"recorded": [], "refused": keys}
    elif name == "three-records":
        assert answer.json() == {"recorded": keys[:2], "refused": keys[2:]}
    else:
        assert answer.json() == {"recorded": [], "refused": []}
        assert bucket.state() == state
    FIGURES["COS corpus events"] += 1


@pytest.mark.parametrize("name", sorted(NO_OBJECT_CREATED))
def test_an_upload_after_a_removal_event_for_its_key_is_still_recorded(
    relay: Relay, bucket: Bucket, name: str
) -> None:
    """Found by the corpus: a removal event was hashed like an upload, so the object then under the key got a
    refused record that the upload's own event could never replace (records are create-once)."""
    removal = read("cos", name)
    key = f"uploads/compare-image/{md5_hex(f'upload-after-{name}'.encode())}"
    for record in removal["Records"]:
        record["cos"]["cosObject"]["key"] = f"/1250000000/faceid-relay-singapore/{key}"
    place_upload(bucket, key)
    invoke(relay, "hash_on_upload", removal).raise_for_status()
    creation = read("cos", "created-put")
    creation["Records"][0]["cos"]["cosObject"]["key"] = f"/1250000000/faceid-relay-singapore/{key}"

    answer = invoke(relay, "hash_on_upload", creation)

    assert answer.json() == {"recorded": [key], "refused": []}
    (record_key,) = records_of(bucket, key)
    assert bucket.read_json(record_key)["refused"] is None


@pytest.mark.parametrize("name", TIMER_EVENTS)
def test_every_timer_event_runs_a_sweep(relay: Relay, name: str) -> None:
    answer = invoke(relay, "lifecycle_sweeper", read("timer", name))

    assert answer.status_code == 200, answer.text
    assert "error" not in answer.json(), answer.json()
    assert {"closed"} <= set(answer.json())


def test_no_log_line_of_a_corpus_run_holds_a_secret(relay: Relay, bucket: Bucket) -> None:
    """Every corpus event once more (the COS events carry the uploader's signed Authorization, the HTTP
    events the app token), at DEBUG-free default level: what the functions log names neither."""
    secrets = known_secrets(relay)
    secrets.add("webhook secret", WEBHOOK_SECRET)
    for name in COS_EVENTS:
        for record in read("cos", name)["Records"]:
            headers = record["event"]["requestParameters"]["requestHeaders"]
            secrets.add("the uploader's security token", headers.get("x-cos-security-token"))
    logged = relay.stack.log_path.stat().st_size
    for name in COS_EVENTS:
        event = read("cos", name)
        for key in event_keys(event) if name not in NOT_OURS else []:
            if not bucket.keys(key):
                place_upload(bucket, key)
        invoke(relay, "hash_on_upload", event).raise_for_status()
    for name in HTTP_EVENTS:
        invoke(relay, "presign_upload", read("http", name)).raise_for_status()
    for name in TIMER_EVENTS:
        invoke(relay, "lifecycle_sweeper", read("timer", name)).raise_for_status()

    with relay.stack.log_path.open(encoding="utf-8", errors="replace") as log:
        log.seek(logged)
        lines = [line for line in log.read().splitlines() if line.strip() and not BANNER.match(line)]
    assert lines, "the corpus run logged nothing"
    leaks = {line[:200]: secrets.found_in(line) for line in lines if secrets.found_in(line)}
    assert leaks == {}


def test_an_unreadable_record_fails_the_event_after_the_readable_ones_are_recorded(
    relay: Relay, bucket: Bucket
) -> None:
    """Found by the corpus: one record the function cannot read failed the whole event before any other was
    hashed, on every retry, so its neighbours got no record from their trigger."""
    (name,) = UNREADABLE_COS_EVENTS
    event = read("cos-unreadable", name)
    (key,) = event_keys({"Records": event["Records"][1:]})
    place_upload(bucket, key)

    answer = invoke(relay, "hash_on_upload", event)

    assert answer.status_code == 500, "the platform sees a failure, so it retries and dead-letters"
    (record_key,) = records_of(bucket, key)
    assert bucket.read_json(record_key)["refused"] is None
