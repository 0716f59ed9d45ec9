"""API 3.0 signature verification, exactly as the server side of the SDK's signing: TC3-HMAC-SHA256
(headers; POST JSON or GET query) and signature v1 (HmacSHA1/HmacSHA256 in the parameters), which the
SDK sends with `ClientProfile(signMethod=...)`.

Sources: tencentcloud/common/abstract_client.py (`_build_req_with_tc3_signature`, `_get_tc3_signature`,
`_build_req_with_old_signature`, `_format_sign_string`), tencentcloud/common/sign.py (`sign_tc3`, `sign`),
the "Signature v3" doc (reference §2) and "请求结构" (https://cloud.tencent.com/document/product/1278/46710:
GET and POST; POST JSON with v3, POST form with v1)."""

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from localcloud.accounts import KeyPair
from localcloud.faceid.catalogue import SERVICE
from localcloud.faceid.errors import (
    InvalidAuthorizationError,
    InvalidParameterError,
    InvalidParameterValueError,
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
# `ClientProfile.unsignedPayload = True` sends this header and hashes the literal instead of the body.
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# Signature v1: the digest named by SignatureMethod (HmacSHA1 when absent), base64 (sign.Sign.sign).
V1_DIGESTS = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}
# Signature v1 common parameters: everything else in the form is the action's own.
V1_COMMON_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Region",
        "Timestamp",
        "Nonce",
        "SecretId",
        "Signature",
        "SignatureMethod",
        "Token",
        "Language",
        "RequestClient",
    }
)

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

    @property
    def is_form(self) -> bool:
        """Parameters travel form-encoded: in the query of a GET, in the body of a form POST."""
        content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        return self.method == "GET" or content_type == FORM_CONTENT_TYPE

    def form(self) -> dict[str, str]:
        encoded = self.query if self.method == "GET" else self.body.decode("utf-8", "replace")
        return dict(parse_qsl(encoded, keep_blank_values=True))

    @property
    def is_signature_v1(self) -> bool:
        """v1 puts Action and Signature among the parameters and sends neither Authorization nor X-TC-*."""
        if "authorization" in self.headers or "x-tc-action" in self.headers or not self.is_form:
            return False
        return "Signature" in self.form()


@dataclass(frozen=True)
class Authenticated:
    """Who signed a request and its common parameters, wherever the signature method put them.
    `form` holds the action's parameters when they came form-encoded (GET, v1); None: a JSON body."""

    key: KeyPair
    action: str
    version: str | None
    region: str | None
    form: Mapping[str, str] | None


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
    return parse_timestamp(request.headers.get("x-tc-timestamp"))


def parse_timestamp(raw: str | None) -> int:
    if raw is None:
        raise MissingParameterError("The request is missing a required parameter `Timestamp`.")
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidParameterError("The parameter `Timestamp` must be a Unix time in seconds.")
    return int(raw)


def canonical_request(request: SignedRequest, signed_headers: tuple[str, ...]) -> str:
    # Signature v3 doc: header names and values "统一转成小写, 并去掉首尾空格" (lowercased, trimmed), one
    # `name:value\n` each, in the order the client listed them in SignedHeaders (which it also signed).
    headers = "".join(f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed_headers)
    # A GET signs an empty payload (its parameters are the canonical query string).
    payload = request.body if request.method != "GET" else b""
    if request.headers.get("x-tc-content-sha256") == UNSIGNED_PAYLOAD:
        payload = UNSIGNED_PAYLOAD.encode()
    payload_hash = hashlib.sha256(payload).hexdigest()
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


def authenticate(request: SignedRequest, keys: Mapping[str, KeyPair], real_now: float) -> Authenticated:
    """The signer and common parameters of a v1 or TC3 request, or the error Tencent would answer."""
    if request.is_signature_v1:
        fields = request.form()
        key = verify_v1(request, fields, keys, real_now)
        params = {name: value for name, value in fields.items() if name not in V1_COMMON_PARAMS}
        return Authenticated(key, fields["Action"], fields.get("Version"), fields.get("Region"), params)
    action = request.headers.get("x-tc-action")
    if not action:
        raise MissingParameterError("The request is missing a required parameter `Action`.")
    key = verify(request, keys, real_now)
    form = request.form() if request.method == "GET" else None
    version, region = request.headers.get("x-tc-version"), request.headers.get("x-tc-region")
    return Authenticated(key, action, version, region, form)


def _check_skew(timestamp: int, real_now: float) -> None:
    if abs(real_now - timestamp) > MAX_SKEW_SECONDS:
        raise SignatureExpireError()


def _key_of(secret_id: str, keys: Mapping[str, KeyPair]) -> KeyPair:
    key = keys.get(secret_id)
    if key is None:
        raise SecretIdNotFoundError()
    return key


def _check_token(received: str, key: KeyPair) -> None:
    # The token is not signed; a temporary key is only valid together with its own token.
    if key.token is not None and not hmac.compare_digest(received.encode("utf-8"), key.token.encode("utf-8")):
        raise TokenFailureError()


def v1_string_to_sign(request: SignedRequest, fields: Mapping[str, str]) -> str:
    """METHOD + host + path + "?" + the parameters but Signature, "_" in names read as ".", sorted, raw
    values (abstract_client._format_sign_string)."""
    named = {name.replace("_", "."): value for name, value in fields.items() if name != "Signature"}
    pairs = "&".join(f"{name}={named[name]}" for name in sorted(named))
    return f"{request.method}{request.headers.get('host', '')}{request.path.split('?')[0]}?{pairs}"


def verify_v1(
    request: SignedRequest, fields: Mapping[str, str], keys: Mapping[str, KeyPair], real_now: float
) -> KeyPair:
    """Signature v1: Signature = base64(HMAC(SecretKey, string to sign)) with SignatureMethod's digest."""
    for name in ("Action", "SecretId", "Timestamp", "Nonce"):
        if not fields.get(name):
            raise MissingParameterError(f"The request is missing a required parameter `{name}`.")
    method = fields.get("SignatureMethod", "HmacSHA1")
    digest = V1_DIGESTS.get(method)
    if digest is None:
        raise InvalidParameterValueError(f"The value `{method}` of parameter `SignatureMethod` is not valid.")
    _check_skew(parse_timestamp(fields["Timestamp"]), real_now)
    key = _key_of(fields["SecretId"], keys)
    mac = hmac.new(key.secret_key.encode("utf-8"), v1_string_to_sign(request, fields).encode("utf-8"), digest)
    expected = base64.b64encode(mac.digest()).decode("ascii")
    if not hmac.compare_digest(expected.encode(), fields["Signature"].encode("utf-8", "replace")):
        raise SignatureFailureError()
    _check_token(fields.get("Token", ""), key)
    return key


def verify(request: SignedRequest, keys: Mapping[str, KeyPair], real_now: float) -> KeyPair:
    """The key pair that signed a TC3 request, or the AuthFailure Tencent would answer."""
    auth = parse_authorization(request.headers.get("authorization"))
    timestamp = request_timestamp(request)
    _check_skew(timestamp, real_now)
    key = _key_of(auth.secret_id, keys)
    # Another service in the scope is refused before any signature is computed, in these words
    # (TencentCloud/tencentcloud-sdk-go#89).
    if auth.service != SERVICE:
        raise InvalidAuthorizationError(
            "The request `Authorization` header does not conform to tencentcloud standards: "
            "`Service` in Credential not valid."
        )
    # The scope's date must be the UTC day of X-TC-Timestamp, as the SDK builds it.
    scope_date = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    if auth.date != scope_date:
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
    _check_token(request.headers.get("x-tc-token", ""), key)
    return key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
