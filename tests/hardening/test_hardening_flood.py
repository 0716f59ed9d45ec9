"""The callback needs no app token, and the BizToken is in the verification URL its holder was given: a flood
of callbacks (or of result reads) for one pending token must cost FaceID one call per token and time window,
across all instances, and never hold a function in rate-limit backoff."""

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.hardening.harness import FIGURES, clear_faults, drain
from tests.integration.relay import RESULT_CHECK_INTERVAL, Relay, most_windows, photo

GET_RESULT = "GetWebVerificationResultIntl"
CLIENTS = 60
FLOOD_SECONDS = 6.0
POLLERS = 10


@pytest.fixture(scope="module")
def image(relay: Relay) -> str:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    drain(relay.stack)
    return key


def result_calls(relay: Relay) -> list[str | None]:
    """FaceID's answer (error code, None for a result) to every GetWebVerificationResultIntl so far."""
    return [call["error_code"] for call in relay.faceid_calls(GET_RESULT)]


def flood(send: Callable[[], requests.Response], clients: int, seconds: float) -> list[requests.Response]:
    """`clients` threads sending back to back for `seconds`; every answer."""
    deadline = time.monotonic() + seconds

    def client() -> list[requests.Response]:
        answers = []
        while time.monotonic() < deadline:
            answers.append(send())
        return answers

    with ThreadPoolExecutor(clients) as pool:
        return [answer for answers in pool.map(lambda _: client(), range(clients)) for answer in answers]


def status_of(answer: requests.Response) -> str:
    return parse_qs(urlsplit(answer.headers["Location"]).query)["status"][0]


def test_a_callback_flood_on_a_pending_token_asks_faceid_once_per_window(relay: Relay, image: str) -> None:
    issued = relay.start_verification(image, reference="flood-1")
    callback = f"{relay.base}/callback?token={issued['bizToken']}"
    asked = len(result_calls(relay))

    started = time.monotonic()
    answers = flood(lambda: requests.get(callback, allow_redirects=False, timeout=60), CLIENTS, FLOOD_SECONDS)
    elapsed = time.monotonic() - started

    calls = result_calls(relay)[asked:]
    FIGURES["flood: callbacks sent by 60 clients in 6 s"] += len(answers)
    FIGURES["flood: FaceID calls for the token"] += len(calls)
    FIGURES["flood: FaceID RequestLimitExceeded"] += sum(code is not None for code in calls)
    assert Counter(answer.status_code for answer in answers) == {302: len(answers)}
    assert {status_of(answer) for answer in answers} == {"pending"}
    assert 1 <= len(calls) <= most_windows(elapsed)
    assert all(code is None for code in calls), "the bound keeps FaceID under its rate limit"


def test_a_user_who_finishes_during_a_flood_gets_the_result(relay: Relay, image: str) -> None:
    issued = relay.start_verification(image, reference="flood-2")
    callback = f"{relay.base}/callback?token={issued['bizToken']}"
    send = lambda: requests.get(callback, allow_redirects=False, timeout=60)  # noqa: E731

    with ThreadPoolExecutor(1) as attacker:
        answers = attacker.submit(flood, send, CLIENTS // 2, FLOOD_SECONDS)
        time.sleep(FLOOD_SECONDS / 3)
        users_callback = relay.complete_on_faceid(issued["verificationUrl"], "pass")
        flooded = answers.result()

    assert {status_of(answer) for answer in flooded} <= {"pending", "passed"}
    # A window the flood claimed answers pending until it ends (the bound); the next one has the result.
    time.sleep(RESULT_CHECK_INTERVAL)
    assert status_of(relay.callback(users_callback)) == "passed"
    assert relay.get(f"/verifications/{issued['bizToken']}").json()["status"] == "passed"


def test_result_polling_while_pending_follows_the_same_bound(relay: Relay, image: str) -> None:
    issued = relay.start_verification(image, reference="flood-3")
    path = f"/verifications/{issued['bizToken']}"
    asked = len(result_calls(relay))

    started = time.monotonic()
    answers = flood(lambda: relay.get(path), POLLERS, FLOOD_SECONDS / 2)
    elapsed = time.monotonic() - started

    calls = result_calls(relay)[asked:]
    FIGURES["polling: result reads sent by 10 clients in 3 s"] += len(answers)
    FIGURES["polling: FaceID calls for the token"] += len(calls)
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.json()["status"] for answer in answers} == {"pending"}
    assert 1 <= len(calls) <= most_windows(elapsed)


def test_a_rate_limited_faceid_makes_the_callback_answer_pending_without_retrying(
    relay: Relay, image: str
) -> None:
    issued = relay.start_verification(image, reference="flood-4")
    relay.complete_on_faceid(issued["verificationUrl"], "pass")
    asked = len(result_calls(relay))
    relay.stack.control(
        "faceid", "faults", {"action": GET_RESULT, "error_code": "RequestLimitExceeded", "count": 50}
    )
    try:
        answer = relay.callback(f"{relay.base}/callback?token={issued['bizToken']}")
    finally:
        clear_faults(relay.stack)

    assert answer.status_code == 302
    assert status_of(answer) == "pending"
    assert result_calls(relay)[asked:] == ["RequestLimitExceeded"]
    time.sleep(RESULT_CHECK_INTERVAL)
    later = relay.callback(f"{relay.base}/callback?token={issued['bizToken']}")
    assert status_of(later) == "passed"
