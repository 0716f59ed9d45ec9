"""The web (H5) flow end to end, for every platform event shape: upload → token → FaceID page →
callback → stored result, as the app backend and the browser see it."""

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.relay import Relay, md5_hex, photo

SHAPES = ["scf-url", "scf-apigw", "lambda-v1", "lambda-v2"]


@pytest.fixture(scope="module", params=SHAPES)
def relay(request: pytest.FixtureRequest, make_stack: Callable[..., Relay]) -> Relay:
    return make_stack("--shape", request.param)


def test_passed_verification_is_stored_and_the_browser_returns_to_the_app(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key, reference="order-42")

    callback_url = relay.complete_on_faceid(issued["verificationUrl"], "pass")
    assert callback_url.startswith(f"{relay.base}/callback?")
    answer = relay.callback(callback_url)

    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{relay.base}/demo/result"
    assert parse_qs(location.query) == {"status": ["passed"], "reference": ["order-42"]}

    result = relay.get(f"/verifications/{issued['bizToken']}").json()
    assert result["status"] == "passed"
    assert result["errorCode"] == 0
    assert result["reference"] == "order-42"
    assert result["similarity"] >= 70
    assert len(result["attempts"]) == 1
    best_frame = result["media"]["bestFrame"]
    image = requests.get(best_frame["url"], timeout=30)
    assert image.status_code == 200
    assert image.content[:3] == b"\xff\xd8\xff"
    assert md5_hex(image.content) == best_frame["md5"]
    assert "video" in result["media"]


def test_outcomes_are_published_as_metrics(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key)

    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))

    # Powertools prints CloudWatch EMF to stdout at the end of the invocation; the stack copies it to its log.
    for _ in range(50):
        if '"VerificationsPassed"' in relay.stack.log_text():
            break
        time.sleep(0.1)
    assert '"VerificationsPassed"' in relay.stack.log_text()


@pytest.mark.parametrize(("choice", "code"), [("fail", 1005), ("spoof", 1002)])
def test_failed_and_spoofed_verifications_are_reported_as_failed(
    relay: Relay, choice: str, code: int
) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key, reference=f"order-{choice}")

    answer = relay.callback(relay.complete_on_faceid(issued["verificationUrl"], choice))

    assert parse_qs(urlsplit(answer.headers["Location"]).query)["status"] == ["failed"]
    result = relay.get(f"/verifications/{issued['bizToken']}").json()
    assert (result["status"], result["errorCode"]) == ("failed", code)
