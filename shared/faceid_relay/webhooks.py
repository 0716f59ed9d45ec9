"""Webhook signatures, both sides, and the one client that POSTs events to the app backend.

`FaceID-Relay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` as Stripe signs
(peers.md §2): the timestamp is signed with the body, so a captured delivery cannot be replayed later than
the receiver's tolerance; during a secret rotation each delivery carries one v1 per secret."""

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import requests

SIGNATURE_HEADER = "FaceID-Relay-Signature"
SIGNATURE_SCHEME = "v1"
TOLERANCE_SECONDS = 300
# The delivery at once runs inside a browser's redirect or an API call: it must not hold them up long.
DELIVERY_TIMEOUT_SECONDS = 5
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class SignatureError(Exception):
    """The request is not a genuine, fresh delivery; the message says which check failed."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    """The header value for `body` sent at `timestamp`, one v1 per secret."""
    return ",".join(
        [f"t={timestamp}", *(f"{SIGNATURE_SCHEME}={signature(s, timestamp, body)}" for s in secrets)]
    )


def verify_signature(
    body: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """For receivers: check a delivery against the raw body as received and the secrets you accept (two
    while rotating). Returns the signed timestamp; raises SignatureError if the header is missing or
    malformed, no v1 matches any secret, or the timestamp is more than `tolerance` seconds away."""
    items = [part.strip().partition("=") for part in (header or "").split(",")]
    timestamps = [value for name, _, value in items if name == "t"]
    candidates = [value.encode() for name, _, value in items if name == SIGNATURE_SCHEME]
    if len(timestamps) != 1 or not _UNIX_SECONDS.fullmatch(timestamps[0]) or not candidates:
        raise SignatureError(f"{SIGNATURE_HEADER} must be t=<unix seconds>,{SIGNATURE_SCHEME}=<hex>")
    timestamp = int(timestamps[0])
    expected = [signature(secret, timestamp, body).encode() for secret in secrets]
    # Every comparison runs, in constant time each: which one matched is not timed out of us.
    if not any([hmac.compare_digest(c, e) for c in candidates for e in expected]):
        raise SignatureError("no signature matches the body with the accepted secrets")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError(f"the signature is more than {tolerance} s old (or from the future)")
    return timestamp


@dataclass(frozen=True)
class DeliveryResult:
    """What one POST to the receiver gave: delivered on any 2xx."""

    http_status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


class WebhookEndpoint:
    """The app backend's receiver (RELAY_WEBHOOK_URL), every delivery signed with each configured secret."""

    def __init__(
        self, url: str, secrets: Sequence[str], *, timeout: float = DELIVERY_TIMEOUT_SECONDS
    ) -> None:
        if not secrets:
            raise ValueError("webhooks need a signing secret")
        self._url = url
        self._secrets = tuple(secrets)
        self._timeout = timeout

    def deliver(self, body: bytes) -> DeliveryResult:
        """POST the body once, signed now; redirects are not followed (the URL is configured, not found)."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "faceid-relay-webhooks",
            SIGNATURE_HEADER: signature_header(self._secrets, int(time.time()), body),
        }
        try:
            answer = requests.post(
                self._url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
            )
        except requests.Timeout:
            return DeliveryResult(None, "timeout")
        except requests.ConnectionError:
            return DeliveryResult(None, "connection failed")
        except requests.RequestException as error:
            return DeliveryResult(None, type(error).__name__)
        answer.close()
        return DeliveryResult(answer.status_code, None)
