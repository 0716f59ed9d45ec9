"""What a browser or a proxy may keep: nothing that carries a presigned URL, a BizToken or personal data, and
a media link answers with the headers signed into it whatever someone appends to it."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from tests.hardening.harness import FIGURES, drain
from tests.integration.relay import Relay, binary_blob, md5_hex, photo

UNKNOWN_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
# Overrides of GET Object (COS) that would make a browser render a stored file as a page of the bucket.
HOSTILE_OVERRIDES = "response-content-type=text/html&response-content-disposition=inline"


@dataclass
class Flow:
    """Every answer of one web verification and one app-SDK flow, as the client received them."""

    answers: dict[str, requests.Response]
    result: dict[str, object]
    sequence_url: str
    comparison_best_frame_url: str


@pytest.fixture(scope="module")
def flow(make_stack: Callable[..., Relay]) -> Flow:
    relay = make_stack()
    answers = {}
    upload = {"purpose": "compare-image", "size": len(photo()), "md5": md5_hex(photo())}
    answers["POST /uploads"] = relay.post("/uploads", {**upload, "contentType": "image/jpeg"})
    image = relay.upload("compare-image", photo(), "image/jpeg")
    device = relay.upload("device-data", binary_blob(), "application/octet-stream")
    live = relay.upload("live-data", binary_blob(), "application/octet-stream")
    drain(relay.stack)
    issue = {"compareImageKey": image, "returnUrl": f"{relay.base}/demo/result", "reference": "cache-1"}
    unfinished = relay.post("/verifications", {**issue, "reference": "cache-2"}).json()
    answers["GET /verifications/{bizToken} pending"] = relay.get(f"/verifications/{unfinished['bizToken']}")
    answers["POST /verifications"] = relay.post("/verifications", issue)
    issued = answers["POST /verifications"].json()
    answers["GET /callback"] = relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))
    answers["GET /verifications/{bizToken}"] = relay.get(f"/verifications/{issued['bizToken']}")
    answers["POST /sequences"] = relay.post("/sequences", {"deviceDataKey": device, "securityLevel": "4"})
    compared = relay.post("/liveness-comparisons", {"liveDataKey": live, "imageKey": image})
    answers["POST /liveness-comparisons"] = compared
    answers["GET /liveness-comparisons/{id}"] = relay.get(f"/liveness-comparisons/{compared.json()['id']}")
    answers["401 without the app token"] = requests.post(f"{relay.base}/uploads", json=upload, timeout=30)
    answers["400 invalid body"] = relay.post("/verifications", {"returnUrl": 1})
    answers["404 unknown BizToken"] = relay.get(f"/verifications/{UNKNOWN_TOKEN}")
    answers["404 unknown BizToken at the callback"] = requests.get(
        f"{relay.base}/callback", params={"token": UNKNOWN_TOKEN}, allow_redirects=False, timeout=30
    )
    for name, answer in answers.items():
        assert answer.status_code < 500, f"{name}: {answer.status_code} {answer.text}"
    result = answers["GET /verifications/{bizToken}"].json()
    return Flow(
        answers,
        result,
        answers["POST /sequences"].json()["reflectSequenceUrl"],
        answers["GET /liveness-comparisons/{id}"].json()["bestFrame"]["url"],
    )


def test_every_answer_that_carries_a_url_a_token_or_personal_data_is_not_stored(flow: Flow) -> None:
    for name, answer in flow.answers.items():
        assert answer.headers.get("Cache-Control") == "no-store", f"{name}: {dict(answer.headers)}"
        FIGURES["answers checked for Cache-Control: no-store"] += 1


LINKS = ["best frame", "light sequence", "comparison best frame"]


def media_links(flow: Flow) -> dict[str, tuple[str, str]]:
    """Each link handed to a client, and the content type it must be served as."""
    media = flow.result["media"]
    assert isinstance(media, dict)
    return {
        "best frame": (media["bestFrame"]["url"], "image/jpeg"),
        "light sequence": (flow.sequence_url, "application/octet-stream"),
        "comparison best frame": (flow.comparison_best_frame_url, "image/jpeg"),
    }


@pytest.mark.parametrize("name", LINKS)
def test_a_media_link_is_a_download_of_its_own_type_that_no_one_stores(flow: Flow, name: str) -> None:
    url, content_type = media_links(flow)[name]

    answer = requests.get(url, timeout=30)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", LINKS)
def test_response_overrides_appended_to_a_media_link_change_nothing(flow: Flow, name: str) -> None:
    url, content_type = media_links(flow)[name]

    answer = requests.get(f"{url}&{HOSTILE_OVERRIDES}", timeout=30)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    FIGURES["media links with appended response overrides served as signed"] += 1


@pytest.mark.parametrize("name", LINKS)
def test_response_overrides_put_before_the_signed_ones_are_refused(flow: Flow, name: str) -> None:
    url, _ = media_links(flow)[name]
    parts = urlsplit(url)

    answer = requests.get(parts._replace(query=f"{HOSTILE_OVERRIDES}&{parts.query}").geturl(), timeout=30)

    assert answer.status_code == 403
