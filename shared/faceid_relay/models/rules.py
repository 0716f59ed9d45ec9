"""Each rule FaceID, COS and browsers impose, in exactly one place: regions per action, COS resource URLs,
the two MD5 encodings, return URLs, object keys, BizTokens. Flows and models import them from here."""

import base64
import binascii
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Annotated, Literal, NamedTuple, get_args
from urllib.parse import unquote

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError, Url

from faceid_relay.compat import StrEnum
from faceid_relay.errors import (
    InvalidKey,
    InvalidRequest,
    InvalidResourceUrl,
    InvalidToken,
    RelayError,
    ReturnUrlNotAllowed,
)

# --- Regions and actions ------------------------------------------------------------------------------------

Region = Literal["ap-bangkok", "ap-hongkong", "ap-jakarta", "ap-singapore"]
REGIONS: tuple[Region, ...] = get_args(Region)

ApiFlavor = Literal["live", "legacy"]


class Action(StrEnum):
    """The FaceID (2018-03-01) actions a deployment calls."""

    CreateUploadUrl = "CreateUploadUrl"
    GenerateReflectSequence = "GenerateReflectSequence"
    DetectReflectLivenessAndCompare = "DetectReflectLivenessAndCompare"
    ApplyWebVerificationBizTokenIntl = "ApplyWebVerificationBizTokenIntl"
    GetWebVerificationResultIntl = "GetWebVerificationResultIntl"
    # Legacy web flow: removed from the intl SDK in 3.1.50, still callable (reference §0.2).
    ApplyWebVerificationToken = "ApplyWebVerificationToken"
    GetWebVerificationResult = "GetWebVerificationResult"


_APP_SDK_REGIONS = frozenset({"ap-bangkok", "ap-hongkong", "ap-singapore"})
_LEGACY_WEB_REGIONS = frozenset({"ap-jakarta", "ap-singapore"})
_LIVE_WEB_REGIONS = frozenset({"ap-bangkok", "ap-hongkong", "ap-jakarta", "ap-singapore"})

# Where FaceID serves each action, per its API pages (reference §1.1), limited to our four regions.
ACTION_REGIONS: Mapping[Action, frozenset[str]] = MappingProxyType(
    {
        Action.CreateUploadUrl: _APP_SDK_REGIONS,
        Action.GenerateReflectSequence: _APP_SDK_REGIONS,
        Action.DetectReflectLivenessAndCompare: _APP_SDK_REGIONS,
        Action.ApplyWebVerificationBizTokenIntl: _LIVE_WEB_REGIONS,
        # The 2025-01 copy of this page omits ap-hongkong, but the 2025-12 Apply page lists it, and a token
        # must be readable where it was issued: same set as Apply.
        Action.GetWebVerificationResultIntl: _LIVE_WEB_REGIONS,
        Action.ApplyWebVerificationToken: _LEGACY_WEB_REGIONS,
        Action.GetWebVerificationResult: _LEGACY_WEB_REGIONS,
    }
)


class WebActions(NamedTuple):
    """The two actions of a web-flow flavor."""

    issue: Action
    read_result: Action


WEB_ACTIONS: Mapping[ApiFlavor, WebActions] = MappingProxyType(
    {
        "live": WebActions(Action.ApplyWebVerificationBizTokenIntl, Action.GetWebVerificationResultIntl),
        "legacy": WebActions(Action.ApplyWebVerificationToken, Action.GetWebVerificationResult),
    }
)

# GenerateReflectSequence: 1 silent, 2 blink, 3 light, 4 blink + light (FaceID's default).
SecurityLevel = Literal["1", "2", "3", "4"]


def _field_type(check: Callable[[str], str]) -> AfterValidator:
    """A rule (a function raising the catalogue error, as flows call it) as a pydantic validator: the same
    problem becomes a validation error located at the field, its type the catalogue code."""

    def validate(value: str) -> str:
        try:
            return check(value)
        except RelayError as error:
            raise PydanticCustomError(error.code, error.detail) from None

    return AfterValidator(validate)


# --- MD5: FaceID wants 32 hex characters, COS's Content-MD5 header wants base64 of the 16 bytes -------------

_MD5_HEX = re.compile(r"[0-9a-fA-F]{32}")
MD5_HEX_EXAMPLE = "d41d8cd98f00b204e9800998ecf8427e"


def _is_content_md5(value: str) -> bool:
    padded = value + "=" * (-len(value) % 4)
    try:
        return len(base64.b64decode(padded, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def md5_hex(value: str, *, field: str | None = None) -> str:
    """The MD5 as FaceID's `*Md5` fields want it: 32 lower-case hex characters (upper case is accepted)."""
    if _MD5_HEX.fullmatch(value):
        return value.lower()
    if _is_content_md5(value):
        raise InvalidRequest(
            "This MD5 is base64 (the COS Content-MD5 header form), but this field wants the 32 hex "
            f"characters FaceID uses, e.g. {MD5_HEX_EXAMPLE}. "
            "Send the hex digest (hashlib.md5(data).hexdigest()).",
            field=field,
        )
    raise InvalidRequest(
        f"An MD5 here is 32 hex characters, e.g. {MD5_HEX_EXAMPLE}. "
        "Send the hex digest of the bytes (hashlib.md5(data).hexdigest()).",
        field=field,
    )


def content_md5_header(md5: str) -> str:
    """The COS `Content-MD5` header value (base64 of the 16 digest bytes) for a hex MD5."""
    return base64.b64encode(bytes.fromhex(md5_hex(md5))).decode("ascii")


Md5Hex = Annotated[
    str,
    _field_type(md5_hex),
    WithJsonSchema({"type": "string", "pattern": "^[0-9a-fA-F]{32}$", "examples": [MD5_HEX_EXAMPLE]}),
]

# --- COS resource URLs --------------------------------------------------------------------------------------

# Bucket naming (reference §6, COS 436/13312): "<name>-<appid>", the name of a-z, 0-9 and '-', not starting
# or ending with '-', at most 50 characters; the APPID a number. Of the two documented length limits this is
# the looser (the other caps the whole host at 60): a stricter check could refuse a bucket that exists, a
# looser one only lets FaceID fail to download.
_BUCKET = re.compile(r"(?P<name>[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?)-(?P<appid>[1-9][0-9]{0,19})")
_COS_HOST = re.compile(r"(?P<bucket>[^.]+)\.cos\.(?P<region>[a-z0-9-]+)\.myqcloud\.com")
# COS key rules (COS 436/13324): UTF-8, at most 850 bytes.
MAX_COS_KEY_BYTES = 850
# Presigned URLs with a session token run to about 2 KB; anything far longer is not one of ours.
MAX_COS_URL_LENGTH = 8192
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def split_bucket(bucket: str) -> tuple[str, str]:
    """("examplebucket", "1250000000") from "examplebucket-1250000000"; ValueError saying what is wrong."""
    match = _BUCKET.fullmatch(bucket)
    if match is None:
        raise ValueError(
            f"{bucket!r} is not a COS bucket name ('<name>-<appid>': the name 1-50 of a-z, 0-9 and '-', "
            "not at either end, the APPID a number, e.g. examplebucket-1250000000)"
        )
    return match["name"], match["appid"]


class CosLocation(BaseModel):
    """Where a COS URL points: the full bucket name ("<name>-<appid>"), its region, and the decoded key."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    region: Region
    key: str


def parse_cos_url(url: str, *, region: Region, appid: str | None = None, field: str = "url") -> CosLocation:
    """The bucket, region and key of `https://<name>-<appid>.cos.<region>.myqcloud.com/<key>[?query]`.

    Parsed the way a browser (WHATWG) parses it, and the raw text must say the same thing: anything a browser,
    COS and FaceID could read differently (userinfo, backslashes, dot segments, odd ports, trailing dots,
    encodings) is refused rather than normalised. `appid`, when given, must own the bucket."""
    try:
        host, rest, parsed = _cos_authority(url)
        bucket = _cos_bucket(host, region, appid)
        key = _cos_key(url, rest, parsed)
    except _RefusedUrlError as refused:
        raise InvalidResourceUrl(f"{refused} {InvalidResourceUrl.message}", field=field) from None
    return CosLocation(bucket=bucket, region=region, key=key)


class _RefusedUrlError(ValueError):
    """Why a resource URL is refused (the first sentence of InvalidResourceUrl's message)."""


def _cos_authority(url: str) -> tuple[re.Match[str], str, Url]:
    """The COS host (as matched), what follows the authority, and the browser's parse of the whole URL."""
    if len(url) > MAX_COS_URL_LENGTH:
        raise _RefusedUrlError(f"The URL is longer than {MAX_COS_URL_LENGTH} characters.")
    if _CONTROL.search(url) or " " in url:
        raise _RefusedUrlError(
            "The URL contains spaces or control characters (such as CR, LF or tab); percent-encode them."
        )
    if "\\" in url:
        raise _RefusedUrlError("The URL contains a backslash, which browsers read as '/'.")
    if not url.startswith("https://"):
        raise _RefusedUrlError("The URL must start with https://.")
    after_scheme = url.removeprefix("https://")
    authority = re.split(r"[/?#]", after_scheme, maxsplit=1)[0]
    if "@" in authority:
        raise _RefusedUrlError("The URL must not contain a user name or password (user@host).")
    host, colon, port = authority.partition(":")
    if colon and port != "443":
        raise _RefusedUrlError("The URL must use the default https port (443).")
    if host.endswith("."):
        raise _RefusedUrlError("The URL's host ends with a dot; write it without.")
    match = _COS_HOST.fullmatch(host)
    if match is None:
        raise _RefusedUrlError(
            "The URL's host is not a COS bucket host (<bucket>.cos.<region>.myqcloud.com)."
        )
    try:
        parsed = Url(url)
    except ValueError:
        raise _RefusedUrlError("The URL cannot be parsed.") from None
    if parsed.host != host or parsed.username or parsed.password:
        raise _RefusedUrlError("The URL's host must be written in lower-case ASCII, without encodings.")
    return match, after_scheme[len(authority) :], parsed


def _cos_bucket(host: re.Match[str], region: Region, appid: str | None) -> str:
    try:
        _, bucket_appid = split_bucket(host["bucket"])
    except ValueError as error:
        raise _RefusedUrlError(f"The bucket {error}.") from None
    if host["region"] != region:
        raise _RefusedUrlError(
            f"The bucket is in {host['region']}, but this deployment calls FaceID in {region}, "
            "and FaceID only downloads from buckets in its own region."
        )
    if appid is not None and bucket_appid != appid:
        raise _RefusedUrlError("The bucket does not belong to this deployment's account (APPID).")
    return host["bucket"]


def _cos_key(url: str, rest: str, parsed: Url) -> str:
    """The object key, decoded, exactly as a browser would request it."""
    if "#" in url:
        raise _RefusedUrlError("The URL has a fragment ('#'); percent-encode '#' in keys as %23.")
    raw_path = rest.partition("?")[0] if rest.startswith("/") else ""
    key = _decoded_key(raw_path)
    if key is None:
        raise _RefusedUrlError("The key is not valid UTF-8 once percent-decoded.")
    if key != _decoded_key(parsed.path or ""):
        raise _RefusedUrlError(
            "The path has dot segments ('.', '..' or their %2e forms) that browsers resolve away."
        )
    if not key:
        raise _RefusedUrlError("The URL names no object (empty key).")
    if _CONTROL.search(key) or key.startswith("/") or ".." in key.split("/") or "." in key.split("/"):
        raise _RefusedUrlError(
            "The key contains control characters, or '.'/'..' segments, or starts with '/'."
        )
    if len(key.encode()) > MAX_COS_KEY_BYTES:
        raise _RefusedUrlError(f"The key is longer than COS allows ({MAX_COS_KEY_BYTES} bytes).")
    return key


def _decoded_key(path: str) -> str | None:
    try:
        return unquote(path.removeprefix("/"), errors="strict")
    except UnicodeDecodeError:
        return None


# --- Return URLs --------------------------------------------------------------------------------------------

MAX_RETURN_URL_LENGTH = 2048
# The query parameters the callback appends to a returnUrl (flows build the redirect with exactly these).
RESULT_PARAMETERS = ("status", "reference")
# How frameworks split a query into names: "&", and ";" in some older ones (e.g. Python < 3.10's parse_qs).
_QUERY_SEPARATORS = re.compile(r"[&;]")
# Plain http is allowed only where nobody can listen in: the local cloud on this machine.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
_DEFAULT_PORTS = {"https": 443, "http": 80}


class _Origin(NamedTuple):
    scheme: str
    host: str
    port: int

    def serialised(self) -> str:
        port = "" if _DEFAULT_PORTS.get(self.scheme) == self.port else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"


def _origin(url: Url) -> _Origin:
    """The origin as a browser compares it, the trailing dot of a host ignored (it names the same host)."""
    return _Origin(url.scheme, (url.host or "").removesuffix("."), url.port or 0)


def _secure_scheme_problem(origin: _Origin) -> str | None:
    if origin.scheme == "https" or (origin.scheme == "http" and origin.host in LOOPBACK_HOSTS):
        return None
    return "must use https (http only for 127.0.0.1, localhost or [::1])"


def parse_origin(value: str, *, plain_http: bool = False) -> str:
    """An origin as browsers serialise it: 'https://App.Example.com:443' → 'https://app.example.com'.

    ValueError (naming the value) unless it is exactly scheme://host[:port] and https or loopback http
    (`plain_http`: http on any host, for endpoints of a local cloud)."""
    try:
        url = Url(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a URL origin such as https://app.example.com") from None
    origin = _origin(url)
    problem = _secure_scheme_problem(origin)
    if plain_http:
        problem = None if origin.scheme in _DEFAULT_PORTS else "must use https or http"
    if problem is not None:
        raise ValueError(f"{value!r} {problem}")
    if url.username or url.password or url.path != "/" or url.query is not None or url.fragment is not None:
        raise ValueError(
            f"{value!r} is not an origin: write only scheme://host[:port], e.g. https://app.example.com"
        )
    if (url.host or "").endswith("."):
        raise ValueError(f"{value!r}: write the host without the trailing dot")
    return origin.serialised()


class ReturnUrlPolicy:
    """Where a browser may be sent back after verification: an exact-origin allow-list, compared after the
    parse a browser does (peers.md §6.1), answering the re-serialised URL and never the raw input."""

    def __init__(self, allowed_origins: Iterable[str]) -> None:
        self._allowed = {_origin(Url(parse_origin(origin))) for origin in allowed_origins}

    def check(self, url: str) -> str:
        """The URL to redirect to; ReturnUrlNotAllowed (field returnUrl) when it is not acceptable."""

        def refuse(reason: str) -> ReturnUrlNotAllowed:
            return ReturnUrlNotAllowed(reason, field="returnUrl")

        if len(url) > MAX_RETURN_URL_LENGTH:
            raise refuse(
                f"The returnUrl is longer than {MAX_RETURN_URL_LENGTH} characters. "
                "Shorten it (keep state on your server and pass only an id)."
            )
        if _CONTROL.search(url) or url != url.strip():
            raise refuse(
                "The returnUrl contains spaces around it or control characters (such as CR, LF or tab). "
                "Send the URL alone."
            )
        if "\\" in url:
            raise refuse("The returnUrl contains a backslash, which browsers read as '/'. Use '/' in URLs.")
        try:
            parsed = Url(url)
        except ValueError:
            raise refuse("The returnUrl is not an absolute URL. Send a full https://host/path URL.") from None
        origin = _origin(parsed)
        problem = _secure_scheme_problem(origin)
        if problem is not None:
            raise refuse(f"The returnUrl {problem}. Send an https URL.")
        if parsed.username or parsed.password:
            raise refuse("The returnUrl must not contain a user name or password (user@host). Remove them.")
        if origin not in self._allowed:
            allowed = ", ".join(sorted(o.serialised() for o in self._allowed)) or "none configured"
            raise refuse(
                f"The returnUrl's origin {origin.serialised()} is not allowed here (allowed: {allowed}). "
                "Use one of those origins, or ask the operator to add yours to RELAY_ALLOWED_RETURN_ORIGINS."
            )
        preset = _preset_result_parameters(parsed.query or "")
        if preset:
            raise refuse(
                f"The returnUrl's query already has {', '.join(preset)}, which the relay appends with the "
                "outcome (most frameworks read the first value). Remove it from the returnUrl."
            )
        query = f"?{parsed.query}" if parsed.query is not None else ""
        fragment = f"#{parsed.fragment}" if parsed.fragment is not None else ""
        return f"{origin.serialised()}{parsed.path or '/'}{query}{fragment}"


def _preset_result_parameters(query: str) -> list[str]:
    """The result parameters a query already names, read as frameworks read names: percent- and '+'-decoded,
    in any case, with a PHP/Rails array suffix (status[]) counting as the name."""
    found = []
    for pair in _QUERY_SEPARATORS.split(query):
        name = unquote(pair.partition("=")[0].replace("+", " ")).strip().casefold().partition("[")[0]
        if name in RESULT_PARAMETERS and name not in found:
            found.append(name)
    return found


# --- Uploads: purposes, limits, keys, content kinds ---------------------------------------------------------


class Purpose(StrEnum):
    """What an upload is for; it fixes the size limit, the content types and the key prefix."""

    COMPARE_IMAGE = "compare-image"
    DEVICE_DATA = "device-data"
    LIVE_DATA = "live-data"


class PurposeLimits(BaseModel):
    """What a client may declare for an upload of one purpose."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int
    content_types: frozenset[str]


MIB = 1024 * 1024
PURPOSE_LIMITS: Mapping[Purpose, PurposeLimits] = MappingProxyType(
    {
        # ApplyWebVerificationBizTokenIntl takes CompareImageBase64 ≤ 8 MB (reference §1.2); base64 is 4/3
        # of the bytes, so 6,000,000 raw bytes stay under 8 MB whether MB means 10^6 or 2^20.
        Purpose.COMPARE_IMAGE: PurposeLimits(
            max_bytes=6_000_000, content_types=frozenset({"image/jpeg", "image/png"})
        ),
        # The SDK's data packages have no documented limit; these maxima are our choice (a few seconds of
        # reflection data is far smaller) and only bound what a leaked upload URL can cost.
        Purpose.DEVICE_DATA: PurposeLimits(
            max_bytes=10 * MIB, content_types=frozenset({"application/octet-stream"})
        ),
        Purpose.LIVE_DATA: PurposeLimits(
            max_bytes=50 * MIB, content_types=frozenset({"application/octet-stream"})
        ),
    }
)

# What hash-on-upload finds in an upload's first bytes.
ContentKind = Literal["jpeg", "png", "mp4", "binary", "base64-text", "empty", "unknown"]

# Which sniffed kinds each purpose accepts. The SDK's packages are an undocumented binary format: we refuse
# only what is surely wrong: nothing, base64 text (seed FAQ "invalid LiveData"), a photo in the data slot.
PURPOSE_CONTENT_KINDS: Mapping[Purpose, frozenset[ContentKind]] = MappingProxyType(
    {
        Purpose.COMPARE_IMAGE: frozenset({"jpeg", "png"}),
        Purpose.DEVICE_DATA: frozenset({"binary", "mp4", "unknown"}),
        Purpose.LIVE_DATA: frozenset({"binary", "mp4", "unknown"}),
    }
)

# FaceID's CreateUploadUrl: which TargetAction takes an upload of each purpose (reference §1.2).
UPLOAD_TARGET_ACTIONS: Mapping[Purpose, frozenset[Action]] = MappingProxyType(
    {
        Purpose.COMPARE_IMAGE: frozenset(
            {Action.DetectReflectLivenessAndCompare, Action.ApplyWebVerificationToken}
        ),
        Purpose.DEVICE_DATA: frozenset({Action.GenerateReflectSequence}),
        Purpose.LIVE_DATA: frozenset({Action.DetectReflectLivenessAndCompare}),
    }
)

# The COS trigger's prefix: only client uploads live here, never anything a function writes.
UPLOADS_PREFIX = "uploads/"
MAX_CLIENT_KEY_LENGTH = len(UPLOADS_PREFIX) + max(len(p.value) for p in Purpose) + 1 + 32
_CLIENT_KEY = re.compile(
    rf"{UPLOADS_PREFIX}(?P<purpose>{'|'.join(re.escape(p.value) for p in Purpose)})/[0-9a-f]{{32}}"
)


def new_upload_key(purpose: Purpose) -> str:
    """A fresh server-chosen key, `uploads/<purpose>/<uuid4 hex>`: unguessable, never a client's path."""
    return f"{UPLOADS_PREFIX}{purpose.value}/{uuid.uuid4().hex}"


def validate_client_key(key: str, purpose: Purpose | None = None, *, field: str = "key") -> str:
    """A key a client hands back, accepted only in exactly the form new_upload_key makes (and, when given,
    for that purpose): no traversal, encodings, other prefixes or look-alike characters can pass."""
    match = _CLIENT_KEY.fullmatch(key)
    if match is None:
        raise InvalidKey(
            "This is not a key this deployment issued (keys look like uploads/<purpose>/<32 hex>). "
            "Pass the key exactly as POST /uploads returned it.",
            field=field,
        )
    if purpose is not None and match["purpose"] != purpose.value:
        raise InvalidKey(
            f"This key holds a {match['purpose']} upload, but this field needs a {purpose.value} upload. "
            f"Upload with purpose {purpose.value} and pass that key.",
            field=field,
        )
    return key


_BASE64_TEXT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_\r\n")
_ASCII_TEXT = frozenset(range(0x20, 0x7F)) | frozenset(b"\t\r\n")


def sniff_content_kind(head: bytes, size: int) -> ContentKind:
    """What an upload is, from its first bytes (64 are plenty) and its size."""
    if size == 0:
        return "empty"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp":
        return "mp4"
    text = head.strip()
    if text.startswith(b"data:") or (text and set(text) <= _BASE64_TEXT):
        return "base64-text"
    if set(head) <= _ASCII_TEXT:
        return "unknown"
    return "binary"


# --- BizTokens ----------------------------------------------------------------------------------------------

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_BIZ_TOKEN = re.compile(f"{_UUID}|{_UUID.replace('a-f', 'A-F')}")


def validate_biz_token(value: str, *, field: str = "bizToken") -> str:
    """A BizToken as FaceID issues it: a UUID, all upper case (81EEF678-28EE-…) or all lower case."""
    if _BIZ_TOKEN.fullmatch(value):
        return value
    raise InvalidToken(field=field)


BizToken = Annotated[
    str,
    _field_type(validate_biz_token),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
            "examples": ["81EEF678-28EE-4759-A82E-6CBBBE6BC442"],
        }
    ),
]


# --- Liveness comparisons -----------------------------------------------------------------------------------

_COMPARISON_ID = re.compile(r"cmp-[0-9a-f]{32}")
COMPARISON_ID_EXAMPLE = "cmp-5f0c3e9b2a7d4c1e8b6a9d0f1e2c3b4a"


def new_comparison_id() -> str:
    """A liveness comparison's id, chosen by the server (never a client's)."""
    return f"cmp-{uuid.uuid4().hex}"


def validate_comparison_id(value: str, *, field: str = "id") -> str:
    if _COMPARISON_ID.fullmatch(value):
        return value
    raise InvalidRequest(
        f"This is not a liveness comparison id (expected e.g. {COMPARISON_ID_EXAMPLE}). "
        "Pass the id exactly as POST /liveness-comparisons returned it.",
        field=field,
    )


ComparisonId = Annotated[
    str,
    _field_type(validate_comparison_id),
    WithJsonSchema({"type": "string", "pattern": "^cmp-[0-9a-f]{32}$", "examples": [COMPARISON_ID_EXAMPLE]}),
]

# --- The app's own data, kept with a verification or comparison ------------------------------------------

# Stripe-like bounds (Stripe: 50 keys, 40-character keys, 500-character values), tighter on the key count
# because the map is stored in every record and sent in every webhook.
MAX_METADATA_KEYS = 20
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500

Metadata = Annotated[
    dict[
        Annotated[
            str, Field(min_length=1, max_length=MAX_METADATA_KEY_LENGTH, pattern=r"^[A-Za-z0-9_.:-]+$")
        ],
        Annotated[str, Field(max_length=MAX_METADATA_VALUE_LENGTH)],
    ],
    Field(max_length=MAX_METADATA_KEYS),
]
