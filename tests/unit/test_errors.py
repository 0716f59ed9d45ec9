"""The error catalogue: every error a user can meet has its own code, the HTTP status the design promises,
and a message that ends by telling the user what to do; each renders as `{code, message, field?}`."""

import re

import pytest

from faceid_relay import errors
from faceid_relay.errors import RelayError, catalogue

# The status each code answers with (design.md's errors table and the validation-layer brief).
PROMISED_STATUS = {
    "InvalidRequest": 400,
    "InvalidResourceUrl": 400,
    "InvalidKey": 400,
    "ReturnUrlNotAllowed": 400,
    "InvalidToken": 400,
    "Unauthorized": 401,
    "UploadNotFound": 404,
    "VerificationNotFound": 404,
    "ComparisonNotFound": 404,
    "UploadNotReady": 409,
    "VerificationFinished": 409,
    "VerificationPending": 409,
    "ContentChanged": 409,
    "LiveDataAlreadyUsed": 409,
    "VerificationExpired": 410,
    "ContentTooLarge": 413,
    "UnsupportedContentType": 415,
    "InvalidContent": 422,
    "UploadRefused": 422,
    "IdempotencyKeyReused": 422,
    "ProviderRejected": 422,
    "ProviderDownloadFailed": 424,
    "UnsupportedEvent": 400,
    "RouteNotFound": 404,
    "RateLimited": 429,
    "InternalError": 500,
    "ProviderAuthFailed": 502,
    "ProviderMediaUnavailable": 502,
    "ProviderUnavailable": 503,
    "StorageUnavailable": 503,
}
# Verbs the last sentence of a message may start with: it must be an instruction.
INSTRUCTIONS = {
    "Read",
    "Cancel",
    "Fix",
    "Upload",
    "Pass",
    "Use",
    "Send",
    "PUT",
    "Check",
    "Retry",
    "Start",
    "Make",
    "Correct",
    "Ask",
    "Capture",
}
ERRORS = catalogue()


def test_the_catalogue_lists_every_error_once_with_its_promised_status() -> None:
    assert {error.code: error.status for error in ERRORS} == PROMISED_STATUS
    assert len({error.code for error in ERRORS}) == len(ERRORS)


def test_the_catalogue_misses_no_error_defined_in_the_module() -> None:
    defined = {
        value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, RelayError)
    }
    assert defined - {RelayError} == set(ERRORS)


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.code)
def test_every_message_ends_with_what_to_do(error: type[RelayError]) -> None:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", error.message.strip()) if s]
    assert error.message.endswith(".")
    assert sentences[-1].split()[0] in INSTRUCTIONS, sentences[-1]
    assert len(sentences) >= 2, "say what happened, then what to do"


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.code)
def test_every_error_renders_code_message_and_field_when_given(error: type[RelayError]) -> None:
    assert error().body() == {"code": error.code, "message": error.message}
    assert error("A specific reason. Do this.", field="imageKey").body() == {
        "code": error.code,
        "message": "A specific reason. Do this.",
        "field": "imageKey",
    }
    assert isinstance(error(), Exception)
    assert str(error("detail")) == "detail"


def test_retryable_errors_say_when_to_retry() -> None:
    assert errors.RateLimited().headers() == {"Retry-After": "1"}
    assert errors.UploadNotReady().headers() == {"Retry-After": "1"}
    assert errors.ProviderUnavailable().headers() == {"Retry-After": "2"}
    assert errors.RateLimited(retry_after=7).headers() == {"Retry-After": "7"}
    assert errors.InvalidRequest().headers() == {}
    assert errors.InvalidRequest(retry_after=3).headers() == {"Retry-After": "3"}


def test_unauthorized_asks_for_a_bearer_token() -> None:
    assert errors.Unauthorized().headers() == {"WWW-Authenticate": "Bearer"}


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (errors.InvalidResourceUrl, ["cos.<region>.myqcloud.com", "region"]),
        (errors.ContentChanged, ["MD5"]),
        (errors.InvalidContent, ["base64", "raw bytes"]),
        (errors.ProviderDownloadFailed, ["public GET", "region", "expired"]),
        (errors.ProviderAuthFailed, ["credentials", "activated"]),
        (errors.VerificationExpired, ["POST /verifications"]),
    ],
)
def test_messages_answer_the_seed_faq(error: type[RelayError], words: list[str]) -> None:
    for word in words:
        assert word in error.message
