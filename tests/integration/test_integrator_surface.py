"""What an integrator builds on, on every platform shape and in both API flavors: liveness comparisons as a
resource (create with Idempotency-Key, read again, live data single-use), and the web flow's URL inputs
(a COS URL + MD5, such as a CreateUploadUrl resourceUrl), metadata, Extra and FaceID's RequestId on reads."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from faceid_relay.settings import Settings
from localcloud.process import stack_process
from tests.integration.relay import Relay, binary_blob, md5_hex, photo

SHAPES = ["scf-url", "scf-apigw", "lambda-v1", "lambda-v2"]
FLAVORS = ["live", "legacy"]


@pytest.fixture(
    scope="module",
    params=[(shape, flavor) for flavor in FLAVORS for shape in SHAPES],
    ids=lambda param: "-".join(param),
)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Relay, str]]:
    """One deployment at a time (pytest finishes a parameter before it starts the next), and its flavor."""
    shape, flavor = request.param
    folder = tmp_path_factory.mktemp(f"{shape}-{flavor}")
    with stack_process(
        folder / "data", folder / "stack.log", ["--shape", shape, "--flavor", flavor]
    ) as stack:
        yield Relay(stack), flavor


@pytest.fixture
def relay(deployment: tuple[Relay, str]) -> Relay:
    return deployment[0]


def compare(relay: Relay, body: dict[str, Any], key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return relay.wait_for_record(lambda: relay.post("/liveness-comparisons", body, headers))


def faceid_upload(relay: Relay, data: bytes) -> dict[str, Any]:
    """A compare image uploaded through FaceID's CreateUploadUrl (POST /uploads, via=faceid)."""
    answer = relay.post(
        "/uploads",
        {
            "purpose": "compare-image",
            "size": len(data),
            "contentType": "image/jpeg",
            "via": "faceid",
            "targetAction": "ApplyWebVerificationToken",
        },
    )
    assert answer.status_code == 200, answer.text
    upload = answer.json()
    assert requests.put(upload["uploadUrl"], data=data, timeout=30).status_code == 200
    return dict(upload)


def test_a_comparison_is_created_once_read_again_and_its_live_data_cannot_be_replayed(relay: Relay) -> None:
    live = relay.upload("live-data", binary_blob(), "application/octet-stream")
    image = relay.upload("compare-image", photo(), "image/jpeg")
    body = {"liveDataKey": live, "imageKey": image, "reference": "signup-7", "metadata": {"userId": "u-7"}}

    created = compare(relay, body, key="cmp-key-1")
    retried = compare(relay, body, key="cmp-key-1")
    read = relay.get(f"/liveness-comparisons/{created.json()['id']}")
    replayed = compare(relay, body, key="cmp-key-2")

    assert created.status_code == 200, created.text
    comparison = created.json()
    assert comparison["id"].startswith("cmp-")
    assert (comparison["result"], comparison["passed"], comparison["reference"]) == (
        "Success",
        True,
        "signup-7",
    )
    assert comparison["metadata"] == {"userId": "u-7"}
    assert comparison["requestId"]
    assert retried.json()["id"] == comparison["id"]
    assert len(relay.faceid_calls("DetectReflectLivenessAndCompare")) == 1
    assert read.status_code == 200, read.text
    assert {k: v for k, v in read.json().items() if k != "bestFrame"} == {
        k: v for k, v in comparison.items() if k != "bestFrame"
    }
    frame = read.json()["bestFrame"]
    download = requests.get(frame["url"], timeout=30)
    assert download.status_code == 200
    assert (md5_hex(download.content), len(download.content)) == (frame["md5"], frame["size"])
    assert replayed.status_code == 409
    assert (replayed.json()["code"], replayed.json()["field"]) == ("LiveDataAlreadyUsed", "liveDataKey")


def test_an_unknown_comparison_is_not_found(relay: Relay) -> None:
    answer = relay.get(f"/liveness-comparisons/cmp-{'0' * 32}")

    assert answer.status_code == 404
    assert answer.json()["code"] == "ComparisonNotFound"


def test_a_verification_takes_a_faceid_upload_as_compare_image_and_returns_metadata_and_request_id(
    relay: Relay,
) -> None:
    image = photo()
    upload = faceid_upload(relay, image)

    issued = relay.start_verification(
        None,
        reference="url-1",
        compareImageUrl=upload["resourceUrl"],
        compareImageMd5=md5_hex(image),
        metadata={"orderId": "o-1"},
    )
    pending = relay.get(f"/verifications/{issued['bizToken']}").json()
    # FaceID was just asked for this token: the callback is answered from the next result-check window.
    time.sleep(Settings.model_fields["result_check_interval"].default)
    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))
    result = relay.get(f"/verifications/{issued['bizToken']}").json()

    assert (pending["status"], pending["metadata"], pending["requestId"]) == (
        "pending",
        {"orderId": "o-1"},
        None,
    )
    assert (result["status"], result["reference"], result["metadata"]) == (
        "passed",
        "url-1",
        {"orderId": "o-1"},
    )
    assert result["requestId"]


def test_a_compare_image_url_whose_bytes_do_not_match_its_md5_is_refused(relay: Relay) -> None:
    upload = faceid_upload(relay, photo())

    answer = relay.post(
        "/verifications",
        {
            "compareImageUrl": upload["resourceUrl"],
            "compareImageMd5": md5_hex(b"another photo"),
            "returnUrl": f"{relay.base}/demo/result",
        },
    )

    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "ContentChanged"


def test_a_compare_image_url_outside_the_region_is_refused_before_faceid(relay: Relay) -> None:
    elsewhere = "https://photos-1250000000.cos.ap-bangkok.myqcloud.com/face.jpg"
    before = len(relay.faceid_calls("ApplyWebVerificationBizTokenIntl")) + len(
        relay.faceid_calls("ApplyWebVerificationToken")
    )

    answer = relay.post(
        "/verifications",
        {
            "compareImageUrl": elsewhere,
            "compareImageMd5": md5_hex(b"x"),
            "returnUrl": f"{relay.base}/demo/result",
        },
    )

    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["field"]) == ("InvalidResourceUrl", "compareImageUrl")
    after = len(relay.faceid_calls("ApplyWebVerificationBizTokenIntl")) + len(
        relay.faceid_calls("ApplyWebVerificationToken")
    )
    assert after == before


def test_extra_comes_back_on_the_result_read_in_the_live_flavor(deployment: tuple[Relay, str]) -> None:
    relay, flavor = deployment
    key = relay.upload("compare-image", photo(), "image/jpeg")

    issued = relay.start_verification(key, reference="extra-1", extra="campaign-7")
    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))
    result = relay.get(f"/verifications/{issued['bizToken']}").json()

    assert result["extra"] == ("campaign-7" if flavor == "live" else None)
