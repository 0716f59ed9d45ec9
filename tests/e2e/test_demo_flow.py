"""The customer H5 flow in a real browser: the demo page, FaceID's page, the callback, the result page."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect

from localcloud.process import RunningStack
from tests.e2e.conftest import image_loaded

RESULT_ACTIONS = {"GetWebVerificationResultIntl", "GetWebVerificationResult"}  # live, legacy flavor
PHOTO = Path(__file__).resolve().parents[2] / "localcloud" / "faceid" / "assets" / "best_frame.jpg"


def start_on_demo(page: Page, stack: RunningStack) -> None:
    """Pick a photo, upload it, start the verification; ends on FaceID's page."""
    page.goto(f"{stack.gateway}/demo/")
    page.set_input_files("#photo", str(PHOTO))
    page.click("#start")
    page.wait_for_url(f"{stack.faceid}/reflect/**", timeout=30_000)


def result_calls(stack: RunningStack) -> int:
    calls = requests.get(f"{stack.faceid}/_control/calls", timeout=10).json()
    return sum(call["action"] in RESULT_ACTIONS for call in calls)


def test_pass_shows_passed_and_the_stored_best_frame(page: Page, stack: RunningStack) -> None:
    start_on_demo(page, stack)
    page.click("#pass")

    page.wait_for_url(f"{stack.gateway}/demo/result**")
    expect(page.locator("#outcome")).to_have_text("Verification passed", timeout=30_000)
    page.wait_for_function("document.getElementById('best-frame').complete", timeout=30_000)
    assert image_loaded(page, "#best-frame")


@pytest.mark.parametrize("choice", ["fail", "spoof"])
def test_fail_and_spoof_show_failed(page: Page, stack: RunningStack, choice: str) -> None:
    start_on_demo(page, stack)
    page.click(f"#{choice}")

    page.wait_for_url(f"{stack.gateway}/demo/result**")
    expect(page.locator("#outcome")).to_have_text("Verification failed", timeout=30_000)


def test_a_tampered_token_in_the_callback_is_refused(page: Page, stack: RunningStack) -> None:
    start_on_demo(page, stack)
    token = parse_qs(urlsplit(page.url).query)["token"][0]
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")

    response = page.goto(f"{stack.gateway}/callback?token={tampered}")

    assert response is not None
    assert response.status == 404
    assert urlsplit(page.url).path == "/callback", "no redirect anywhere"
    expect(page.locator("body")).to_contain_text("VerificationNotFound")


def test_a_token_expired_before_the_user_started_shows_expired(page: Page, stack: RunningStack) -> None:
    page.goto(f"{stack.gateway}/demo/")
    page.set_input_files("#photo", str(PHOTO))
    # Hold the navigation to FaceID's page, so the token is never started, then let time pass.
    page.route(f"{stack.faceid}/reflect/**", lambda route: route.fulfill(status=200, body="held"))
    page.click("#start")
    page.wait_for_url(f"{stack.faceid}/reflect/**", timeout=30_000)
    verification_url = page.url
    page.unroute(f"{stack.faceid}/reflect/**")
    stack.control("faceid", "clock", {"advance": 11 * 60})
    try:
        page.goto(verification_url)
        expect(page.locator("body")).to_contain_text("expired", ignore_case=True)
        assert page.locator("#pass").count() == 0
    finally:
        stack.control("faceid", "clock", {"advance": -11 * 60})


def test_reload_and_back_on_the_callback_give_the_same_result_without_a_second_fetch(
    page: Page, stack: RunningStack
) -> None:
    start_on_demo(page, stack)
    callback_urls: list[str] = []
    page.on(
        "request", lambda request: callback_urls.append(request.url) if "/callback?" in request.url else None
    )
    page.click("#pass")
    page.wait_for_url(f"{stack.gateway}/demo/result**")
    expect(page.locator("#outcome")).to_have_text("Verification passed", timeout=30_000)
    fetched = result_calls(stack)

    page.goto(callback_urls[0])
    expect(page.locator("#outcome")).to_have_text("Verification passed", timeout=30_000)
    page.reload()
    expect(page.locator("#outcome")).to_have_text("Verification passed", timeout=30_000)
    page.go_back()
    page.go_forward()
    expect(page.locator("#outcome")).to_have_text("Verification passed", timeout=30_000)

    assert result_calls(stack) == fetched


def test_the_result_page_shows_the_signed_webhook_for_its_verification_arriving(
    page: Page, stack: RunningStack
) -> None:
    start_on_demo(page, stack)
    page.click("#fail")

    page.wait_for_url(f"{stack.gateway}/demo/result**")
    expect(page.locator("#outcome")).to_have_text("Verification failed", timeout=30_000)
    webhook = page.locator("#webhook")
    expect(webhook).to_contain_text("Received verification.failed", timeout=30_000)
    expect(webhook).to_contain_text("signature valid")
    assert webhook.get_attribute("data-type") == "verification.failed"
