"""TC3-HMAC-SHA256 verification of API 3.0 requests, exactly as the server side of the SDK's signing.

Sources: tencentcloud/common/abstract_client.py (`_build_req_with_tc3_signature`, `_get_tc3_signature`),
tencentcloud/common/sign.py (`sign_tc3`) and the "Signature v3" doc (reference §2)."""

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from localcloud.accounts import KeyPair
from localcloud.faceid.catalogue import SERVICE
from localcloud.faceid.errors import (
    InvalidAuthorizationError,
    InvalidParameterError,
    MissingParameterError,
    SecretIdNotFoundError,
    SignatureExpireError,
    SignatureFailureError,
    TokenFailureError,
)

ALGORITHM = "TC3-HMAC-SHA256"
# "Timestamp and server time cannot differ by more than five minutes" (AuthFailure.SignatureExpireError).
MAX_SKEW_SECONDS = 300
# The doc requires at least these two in SignedHeaders ("至少包含 host 和 content-type 两个头部").
REQUIRED_SIGNED_HEADERS = frozenset({"content-type", "host"})

_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s,]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/\s,]+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class SignedRequest:
    """What the signature covers, as received: header names lowercase."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Authorization:
    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str | None) -> Authorization:
    match = _AUTHORIZATION.match(value or "")
    if match is None:
        raise InvalidAuthorizationError()
    signed = tuple(match["signed"].split(";"))
    if not set(signed) >= REQUIRED_SIGNED_HEADERS:
        raise InvalidAuthorizationError("SignedHeaders must include content-type and host.")
    return Authorization(match["secret_id"], match["date"], match["service"], signed, match["signature"])


def request_timestamp(request: SignedRequest) -> int:
    raw = request.headers.get("x-tc-timestamp")
    if raw is None:
        raise MissingParameterError("The request is missing a required parameter `Timestamp`.")
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidParameterError("The parameter `Timestamp` must be a Unix time in seconds.")
    return int(raw)


def canonical_request(request: SignedRequest, signed_headers: tuple[str, ...]) -> str:
    # Signature v3 doc: header names and values "统一转成小写, 并去掉首尾空格" (lowercased, trimmed), one
    # `name:value\n` each, in the order the client listed them in SignedHeaders (which it also signed).
    headers = "".join(f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed_headers)
    payload_hash = hashlib.sha256(request.body).hexdigest()
    return "\n".join(
        [request.method, request.path, request.query, headers, ";".join(signed_headers), payload_hash]
    )


def signature(secret_key: str, date: str, timestamp: str, canonical: str) -> str:
    scope = f"{date}/{SERVICE}/tc3_request"
    string_to_sign = "\n".join(
        [ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    key = _hmac(key, SERVICE)
    key = _hmac(key, "tc3_request")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(request: SignedRequest, keys: Mapping[str, KeyPair], real_now: float) -> KeyPair:
    """The key pair that signed the request, or the AuthFailure Tencent would answer."""
    auth = parse_authorization(request.headers.get("authorization"))
    timestamp = request_timestamp(request)
    if abs(real_now - timestamp) > MAX_SKEW_SECONDS:
        raise SignatureExpireError()
    key = keys.get(auth.secret_id)
    if key is None:
        raise SecretIdNotFoundError()
    # The credential scope must name this service and the UTC day of X-TC-Timestamp, as the SDK builds it.
    scope_date = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    if auth.service != SERVICE or auth.date != scope_date:
        raise SignatureFailureError(
            "The credential scope must be <timezone.utc date of X-TC-Timestamp>/faceid/tc3_request."
        )
    expected = signature(
        key.secret_key,
        auth.date,
        request.headers["x-tc-timestamp"],
        canonical_request(request, auth.signed_headers),
    )
    if not hmac.compare_digest(expected, auth.signature):
        raise SignatureFailureError()
    # X-TC-Token is not among the signed headers; a temporary key is only valid together with its token.
    received_token = request.headers.get("x-tc-token", "").encode("utf-8")
    if key.token is not None and not hmac.compare_digest(received_token, key.token.encode("utf-8")):
        raise TokenFailureError()
    return key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
