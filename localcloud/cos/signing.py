"""COS q-sign verification for Authorization headers and presigned URLs, recomputed as COS does.

Stock S3 servers cannot check these signatures, so every rule a real bucket enforces on them lives here."""

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from localcloud.accounts import KeyPair

from .errors import (
    AccessDeniedError,
    InvalidAccessKeyIdError,
    InvalidTokenError,
    RequestExpiredError,
    RequestTimeTooSkewedError,
    SignatureDoesNotMatchError,
)

SIGNATURE_FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)
SECURITY_TOKEN = "x-cos-security-token"
# How far in the future a signature's start time may lie before it is refused as skewed.
ALLOWED_CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True)
class QSignature:
    """The q-sign-* fields of one request, from its Authorization header or its URL."""

    algorithm: str
    access_key: str
    sign_time: str
    key_time: str
    header_list: tuple[str, ...]
    url_param_list: tuple[str, ...]
    signature: str

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> "QSignature":
        missing = [name for name in SIGNATURE_FIELDS if name not in fields]
        if missing:
            raise AccessDeniedError(f"The request signature is incomplete: missing {', '.join(missing)}.")
        return cls(
            algorithm=fields["q-sign-algorithm"],
            access_key=fields["q-ak"],
            sign_time=fields["q-sign-time"],
            key_time=fields["q-key-time"],
            header_list=split_list(fields["q-header-list"]),
            url_param_list=split_list(fields["q-url-param-list"]),
            signature=fields["q-signature"],
        )


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers: method, the signed path ("/<key>"), query and headers as received."""

    method: str
    path: str
    query: Sequence[tuple[str, str]]
    headers: Sequence[tuple[str, bytes]]

    def header(self, name: str) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)

    def query_value(self, name: str) -> str | None:
        return next((value for key, value in self.query if key == name), None)


def split_list(value: str) -> tuple[str, ...]:
    return tuple(item for item in value.split(";") if item)


def is_anonymous(request: SignedRequest) -> bool:
    """No signature at all: neither an Authorization header with content nor a q-signature parameter."""
    authorization = (request.header("authorization") or b"").strip()
    return not authorization and request.query_value("q-signature") is None


def find_signature(request: SignedRequest) -> QSignature:
    """The request's q-sign fields; a request without any is anonymous, and COS buckets here are private."""
    authorization = (request.header("authorization") or b"").decode("latin-1").strip()
    if authorization:
        return QSignature.from_fields(
            dict(pair.split("=", 1) for pair in authorization.split("&") if "=" in pair)
        )
    if request.query_value("q-signature") is not None:
        return QSignature.from_fields(
            {name: value for name, value in request.query if name in SIGNATURE_FIELDS}
        )
    # The SDK's Anonymous mode sends an empty Authorization header (qcloud_cos.cos_auth.CosS3Auth).
    raise AccessDeniedError()


def check_algorithm(algorithm: str) -> None:
    if algorithm != "sha1":
        raise AccessDeniedError(f"q-sign-algorithm {algorithm!r} is not supported; COS signs with sha1.")


def find_key(access_key: str, keys: Sequence[KeyPair]) -> KeyPair:
    key = next((key for key in keys if key.secret_id == access_key), None)
    if key is None:
        raise InvalidAccessKeyIdError()
    return key


def parse_window(value: str, name: str) -> tuple[int, int]:
    start, _, end = value.partition(";")
    if not (start.isdigit() and end.isdigit()) or int(start) > int(end):
        raise AccessDeniedError(f"{name} {value!r} is not '<start>;<end>' in Unix seconds.")
    return int(start), int(end)


def check_window(name: str, value: str, now: float) -> None:
    """A "<start>;<end>" window must cover `now`: expired → AccessDenied, not yet valid → skewed."""
    start, end = parse_window(value, name)
    if now > end:
        raise RequestExpiredError()
    if start > now + ALLOWED_CLOCK_SKEW_SECONDS:
        raise RequestTimeTooSkewedError()


def check_time_window(signature: QSignature, now: float) -> None:
    """Both q-sign-time and q-key-time must cover `now`."""
    for name, value in (("q-sign-time", signature.sign_time), ("q-key-time", signature.key_time)):
        check_window(name, value, now)


def encode(value: str | bytes) -> str:
    # Keys and values are percent-encoded with only "-_.~" left as is, names lower-cased
    # (qcloud_cos.cos_auth.CosS3Auth.__call__).
    return quote(value, safe="-_.~")


def signed_pairs(names: Sequence[str], received: Mapping[str, str]) -> str:
    """ "k=v&k=v" for the listed names; a listed name the request does not carry cannot match."""
    if any(name not in received for name in names):
        raise SignatureDoesNotMatchError(
            "A parameter or header named in the signature is missing from the request."
        )
    return "&".join(f"{name}={received[name]}" for name in sorted(names))


def http_string(request: SignedRequest, signature: QSignature, headers: Mapping[str, str]) -> str:
    params: dict[str, str] = {}
    for name, value in request.query:
        params.setdefault(encode(name).lower(), encode(value))
    return "\n".join(
        [
            request.method.lower(),
            request.path,
            signed_pairs(signature.url_param_list, params),
            signed_pairs(signature.header_list, headers),
            "",
        ]
    )


def expected_signature(secret_key: str, signature: QSignature, http_text: str) -> str:
    sign_key = hmac.new(secret_key.encode(), signature.key_time.encode(), hashlib.sha1).hexdigest()
    digest = hashlib.sha1(http_text.encode(), usedforsecurity=False).hexdigest()
    string_to_sign = f"sha1\n{signature.sign_time}\n{digest}\n"
    return hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()


def header_variants(request: SignedRequest) -> list[dict[str, str]]:
    """The received headers, encoded for signing; once more with the Host port dropped.

    cos_auth.CosS3Auth signs `urlparse(url).hostname` when it sets no Host header itself (Domain
    and presigned URLs), i.e. without the port, while the client sends "127.0.0.1:<port>"."""
    headers: dict[str, str] = {}
    for name, value in request.headers:
        headers.setdefault(encode(name).lower(), encode(value))
    host = (request.header("host") or b"").decode("latin-1")
    without_port = host.rsplit(":", 1)[0] if ":" in host and not host.endswith("]") else host
    if without_port == host:
        return [headers]
    return [headers, {**headers, "host": encode(without_port)}]


def check_signature(request: SignedRequest, signature: QSignature, key: KeyPair) -> None:
    for headers in header_variants(request):
        expected = expected_signature(key.secret_key, signature, http_string(request, signature, headers))
        if hmac.compare_digest(expected, signature.signature):
            return
    raise SignatureDoesNotMatchError()


def check_token(provided: str | None, key: KeyPair) -> None:
    """A temporary key is valid only with its own session token."""
    if key.token is None:
        return
    if provided is None:
        raise InvalidAccessKeyIdError("The temporary key requires its x-cos-security-token.")
    if not hmac.compare_digest(provided.encode(), key.token.encode()):
        raise InvalidTokenError()


def check_security_token(request: SignedRequest, key: KeyPair) -> None:
    """The token comes as header or as URL parameter: the SDK sends the header (CosConfig Token);
    presigned URLs carry it as a parameter because get_presigned_url does not add it
    (demo/get_presigned_url.py)."""
    header = request.header(SECURITY_TOKEN)
    check_token(header.decode("latin-1") if header is not None else request.query_value(SECURITY_TOKEN), key)


def authenticate(request: SignedRequest, keys: Sequence[KeyPair], now: float) -> KeyPair:
    """The key pair that signed `request`, or the COS error a real bucket would answer."""
    signature = find_signature(request)
    check_algorithm(signature.algorithm)
    key = find_key(signature.access_key, keys)
    check_time_window(signature, now)
    check_signature(request, signature, key)
    check_security_token(request, key)
    return key
