"""What a person's browser gets from the callback: HTML only when it ranks HTML above JSON, and a page that
says what happened and what to do for each kind of failure."""

import pytest

from faceid_relay.errors import (
    InvalidRequest,
    ProviderUnavailable,
    RateLimited,
    RelayError,
    StorageUnavailable,
    VerificationExpired,
    VerificationNotFound,
)
from faceid_relay.pages import error_page, prefers_html


@pytest.mark.parametrize(
    "accept",
    [
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",  # Chromium
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Firefox
        "text/*",
        "application/json;q=0.5, text/html",
    ],
)
def test_a_browser_navigation_prefers_html(accept: str) -> None:
    assert prefers_html(accept)


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "*/*",
        "application/json",
        "text/html;q=0.5, application/json",
        "text/html;q=0, */*",
        "image/*",
    ],
)
def test_an_api_client_or_an_indifferent_one_gets_json(accept: str | None) -> None:
    assert not prefers_html(accept)


@pytest.mark.parametrize(
    ("error", "heading", "advice"),
    [
        (VerificationNotFound(), "This verification link does not work", "start the verification again"),
        (
            InvalidRequest(field="query.token"),
            "This verification link does not work",
            "start the verification",
        ),
        (VerificationExpired(), "This verification has expired", "start a new verification"),
        (ProviderUnavailable(), "Verification is unavailable right now", "try again"),
        (StorageUnavailable(), "Verification is unavailable right now", "try again"),
        (RateLimited(), "Verification is unavailable right now", "try again"),
    ],
)
def test_each_failure_has_a_page_saying_what_happened_and_what_to_do(
    error: RelayError, heading: str, advice: str
) -> None:
    page = error_page(error)

    assert page.startswith('<!doctype html>\n<html lang="en">')
    assert f"<title>{heading}</title>" in page
    assert f"<h1>{heading}</h1>" in page
    assert advice in page
    assert "<script" not in page
