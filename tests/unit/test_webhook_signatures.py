"""The receiver's check of FaceID-Relay-Signature: a genuine delivery passes, anything else is refused with
the reason, including during a secret rotation."""

import json

import pytest

from faceid_relay.webhooks import SignatureError, signature, signature_header, verify_signature

NEW = "n" * 40
OLD = "o" * 40
BODY = json.dumps({"id": "evt_" + "a" * 32, "type": "verification.passed"}).encode()
T = 1_790_000_000


def test_a_genuine_delivery_passes_and_gives_its_timestamp() -> None:
    header = signature_header([NEW], T, BODY)

    assert verify_signature(BODY, header, [NEW], now=T + 10) == T


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() -> None:
    header = signature_header([NEW], T, BODY)

    assert header == f"t={T},v1={signature(NEW, T, BODY)}"
    assert len(signature(NEW, T, BODY)) == 64


def test_a_tampered_body_is_refused() -> None:
    header = signature_header([NEW], T, BODY)
    tampered = BODY.replace(b"passed", b"failed")

    with pytest.raises(SignatureError, match="no signature matches"):
        verify_signature(tampered, header, [NEW], now=T)


def test_a_replayed_timestamp_is_refused_even_with_the_old_signature_moved() -> None:
    header = signature_header([NEW], T, BODY).replace(f"t={T}", f"t={T + 600}")

    with pytest.raises(SignatureError, match="no signature matches"):
        verify_signature(BODY, header, [NEW], now=T + 600)


def test_a_timestamp_older_than_five_minutes_is_refused() -> None:
    header = signature_header([NEW], T, BODY)

    assert verify_signature(BODY, header, [NEW], now=T + 300) == T
    with pytest.raises(SignatureError, match="300 s old"):
        verify_signature(BODY, header, [NEW], now=T + 301)


def test_during_rotation_both_secrets_sign_and_a_receiver_with_either_accepts() -> None:
    header = signature_header([NEW, OLD], T, BODY)

    assert header.count("v1=") == 2
    assert verify_signature(BODY, header, [OLD], now=T) == T
    assert verify_signature(BODY, header, [NEW], now=T) == T
    assert verify_signature(BODY, signature_header([OLD], T, BODY), [NEW, OLD], now=T) == T


def test_a_secret_the_receiver_does_not_hold_is_refused() -> None:
    with pytest.raises(SignatureError, match="no signature matches"):
        verify_signature(BODY, signature_header(["x" * 40], T, BODY), [NEW, OLD], now=T)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=abc",
        f"t={T}",
        f"t=soon,v1={'0' * 64}",
        f"t={T},t={T},v1={'0' * 64}",
        # Digits int() reads but no clock writes, and more digits than int() converts (ValueError).
        f"t=\u0661\u0662,v1={'0' * 64}",
        f"t={'9' * 5000},v1={'0' * 64}",
    ],
)
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureError, match="must be t="):
        verify_signature(BODY, header, [NEW], now=T)
