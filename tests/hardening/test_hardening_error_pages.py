"""The callback is opened by a person: when it fails, a browser gets a page saying what happened and what to
do, or, once the verification is known, its returnUrl with status=error; an API client keeps the JSON."""

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect

from deploy.openapi import DOCUMENT_PATH
from tests.hardening.harness import FIGURES, assert_error, clear_faults, drain
from tests.integration.relay import RESULT_CHECK_INTERVAL, Relay, photo

UNKNOWN_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
# What Chromium sends when it navigates to a page.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
GET_RESULT = "GetWebVerificationResultIntl"


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Iterator[Relay]:
    relay = make_stack()
    yield relay
    clear_faults(relay.stack)


@pytest.fixture(scope="module")
def image(relay: Relay) -> str:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    drain(relay.stack)
    return key


def callback_url(relay: Relay, image: str, reference: str) -> str:
    """A verification the user finished on FaceID's page; where FaceID sends the browser."""
    issued = relay.start_verification(image, reference=reference)
    return relay.complete_on_faceid(issued["verificationUrl"], "pass")


@contextmanager
def faceid_down(relay: Relay) -> Iterator[None]:
    """FaceID's result action answers HTTP 500 inside the block; the faults are cleared after it."""
    relay.stack.control("faceid", "faults", {"action": GET_RESULT, "http_status": 500, "count": 5})
    try:
        yield
    finally:
        clear_faults(relay.stack)


BAD_LINKS: dict[str, Callable[[str], str | None]] = {
    "unknown token": lambda token: UNKNOWN_TOKEN,
    "tampered token": lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),
    "malformed token": lambda token: f"{token}<script>alert(1)</script>",
    "no token": lambda token: None,
}


@pytest.mark.parametrize("name", BAD_LINKS, ids=BAD_LINKS.keys())
def test_a_bad_link_opened_in_a_browser_is_a_page_saying_what_to_do(
    relay: Relay, image: str, name: str
) -> None:
    token = parse_qs(urlsplit(callback_url(relay, image, "page-1")).query)["token"][0]
    bad = BAD_LINKS[name](token)

    answer = requests.get(
        f"{relay.base}/callback",
        params={"token": bad} if bad is not None else {},
        headers={"Accept": BROWSER_ACCEPT},
        allow_redirects=False,
        timeout=30,
    )

    assert answer.status_code in (400, 404)
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "<h1>This verification link does not work</h1>" in answer.text
    assert "start the verification again" in answer.text
    assert "<script" not in answer.text
    code = re.search(r"Error code: (\w+)", answer.text)
    assert code is not None
    published = json.loads(DOCUMENT_PATH.read_text())["paths"]["/callback"]["get"]["responses"]
    assert (
        answer.text
        == published[str(answer.status_code)]["content"]["text/html"]["examples"][code[1]]["value"]
    )
    FIGURES["callback failures answered with a page"] += 1


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html;q=0.5"])
def test_an_api_client_keeps_the_json_error(relay: Relay, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}

    answer = requests.get(
        f"{relay.base}/callback", params={"token": UNKNOWN_TOKEN}, headers=headers, timeout=30
    )

    assert_error(answer, 404, "VerificationNotFound")


def test_a_known_verification_sends_the_browser_back_with_status_error_when_faceid_fails(
    relay: Relay, image: str
) -> None:
    url = callback_url(relay, image, "page-2")
    with faceid_down(relay):
        answer = requests.get(url, headers={"Accept": BROWSER_ACCEPT}, allow_redirects=False, timeout=30)

    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{relay.base}/demo/result?status=error&reference=page-2"
    time.sleep(RESULT_CHECK_INTERVAL)
    assert relay.callback(url).headers["Location"].endswith("?status=passed&reference=page-2")
    FIGURES["callback failures answered with a redirect to the returnUrl"] += 1


def test_a_known_verification_answers_an_api_client_with_the_json_error_when_faceid_fails(
    relay: Relay, image: str
) -> None:
    url = callback_url(relay, image, "page-3")
    with faceid_down(relay):
        answer = requests.get(url, allow_redirects=False, timeout=30)

    assert_error(answer, 503, "ProviderUnavailable")


@pytest.mark.e2e
def test_chromium_shows_a_tampered_link_as_a_readable_page(page: Page, relay: Relay, image: str) -> None:
    token = parse_qs(urlsplit(callback_url(relay, image, "page-4")).query)["token"][0]
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")

    response = page.goto(f"{relay.base}/callback?token={tampered}")

    assert response is not None
    assert response.status == 404
    assert urlsplit(page.url).path == "/callback", "no redirect anywhere"
    expect(page).to_have_title("This verification link does not work")
    expect(page.get_by_role("heading", level=1)).to_have_text("This verification link does not work")
    expect(page.locator("main")).to_contain_text("start the verification again")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "{" not in page.locator("body").inner_text(), "no JSON for a person"


@pytest.mark.e2e
def test_chromium_is_sent_back_to_the_app_when_faceid_is_unavailable(
    page: Page, relay: Relay, image: str
) -> None:
    url = callback_url(relay, image, "page-5")
    with faceid_down(relay):
        page.goto(url)
        page.wait_for_url(f"{relay.base}/demo/result?**")

    assert parse_qs(urlsplit(page.url).query) == {"status": ["error"], "reference": ["page-5"]}


@pytest.mark.e2e
def test_chromium_shows_provider_unavailable_as_try_again_when_the_verification_is_unknown(
    page: Page, relay: Relay
) -> None:
    """Our own bucket failing before the verification is found: the page says to try again."""
    relay.stack.control(
        "cos",
        "faults",
        {"method": "GET", "key_prefix": "verifications/", "status": 503, "code": "SlowDown", "count": 2},
    )
    try:
        response = page.goto(f"{relay.base}/callback?token={UNKNOWN_TOKEN}")
    finally:
        clear_faults(relay.stack)

    assert response is not None
    assert response.status == 503
    expect(page.get_by_role("heading", level=1)).to_have_text("Verification is unavailable right now")
    expect(page.get_by_role("link", name="try again")).to_be_visible()
