"""Cancel and erase in a real browser: the person cancels a verification they left open on FaceID's page,
or erases their data once it is over, from the demo's pages (its app backend calls the relay)."""

import requests
from playwright.sync_api import Page, expect

from localcloud.process import RunningStack
from tests.e2e.conftest import image_loaded
from tests.e2e.test_demo_flow import result_calls, start_on_demo


def open_from_the_list(page: Page, stack: RunningStack) -> None:
    """Back on the demo's first page, open the verification started last from its list."""
    page.goto(f"{stack.gateway}/demo/")
    started = page.locator("#started-list a")
    expect(started).to_have_count(1)
    started.click()
    page.wait_for_url(f"{stack.gateway}/demo/result**")


def test_a_verification_canceled_while_open_stays_canceled_when_the_user_finishes_it(
    page: Page, each_flavor: RunningStack
) -> None:
    stack = each_flavor
    start_on_demo(page, stack)
    faceid_page = page.url
    open_from_the_list(page, stack)
    expect(page.locator("#outcome")).to_have_text("Verification not finished", timeout=30_000)
    expect(page.locator("#redact")).to_be_hidden()

    page.click("#cancel")

    expect(page.locator("#outcome")).to_have_text("Verification canceled", timeout=30_000)
    expect(page.locator("#cancel")).to_be_hidden()
    expect(page.locator("#webhook")).to_contain_text("Received verification.canceled", timeout=30_000)
    fetched = result_calls(stack)

    # The user, still on FaceID's page in another tab, finishes anyway: the callback cannot finalize it.
    page.goto(faceid_page)
    page.click("#pass")
    page.wait_for_url(f"{stack.gateway}/demo/result**")
    expect(page.locator("#outcome")).to_have_text("Verification canceled", timeout=30_000)
    assert "status=canceled" in page.url
    assert result_calls(stack) == fetched, "a canceled verification's result is not fetched from FaceID"


def test_erasing_a_passed_verification_removes_its_best_frame_and_keeps_its_status(
    page: Page, each_flavor: RunningStack
) -> None:
    stack = each_flavor
    start_on_demo(page, stack)
    page.click("#pass")
    page.wait_for_url(f"{stack.gateway}/demo/result**")
    expect(page.locator("#outcome")).to_have_text("Verification passed", timeout=30_000)
    page.wait_for_function("document.getElementById('best-frame').complete", timeout=30_000)
    assert image_loaded(page, "#best-frame")
    best_frame_link = page.get_attribute("#best-frame", "src")
    assert best_frame_link is not None
    expect(page.locator("#cancel")).to_be_hidden()

    page.click("#redact")

    expect(page.locator("#redacted")).to_contain_text("Your personal data was erased", timeout=30_000)
    expect(page.locator("#outcome")).to_have_text("Verification passed")
    expect(page.locator("#best-frame")).to_be_hidden()
    expect(page.locator("#redact")).to_be_hidden()
    expect(page.locator("#webhook")).to_contain_text("Received verification.redacted", timeout=30_000)
    # The link the page showed a moment ago is still signed and unexpired, yet the image is gone.
    assert requests.get(best_frame_link, timeout=10).status_code == 404

    page.reload()
    expect(page.locator("#redacted")).to_contain_text("Your personal data was erased", timeout=30_000)
    expect(page.locator("#best-frame")).to_be_hidden()


def test_a_canceled_verification_can_be_erased_from_its_page(page: Page, stack: RunningStack) -> None:
    start_on_demo(page, stack)
    open_from_the_list(page, stack)
    page.click("#cancel")
    expect(page.locator("#outcome")).to_have_text("Verification canceled", timeout=30_000)

    page.click("#redact")

    expect(page.locator("#redacted")).to_contain_text("Your personal data was erased", timeout=30_000)
    expect(page.locator("#outcome")).to_have_text("Verification canceled")
    expect(page.locator("#webhook")).to_contain_text("Received verification.redacted", timeout=30_000)
