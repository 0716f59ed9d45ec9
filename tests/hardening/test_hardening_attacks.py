"""Attack corpora against the HTTP API through the local gateway, sent byte for byte (http.client: no
client-side normalisation of paths or headers): SSRF through compareImageUrl, traversal and encodings in ids
and tokens, header and JSON tricks, log injection. Each is a 4xx in the error shape naming the field, nothing
stored changes, FaceID is not asked, and the log keeps one JSON object per line."""

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit

import pytest
import requests

from faceid_relay.errors import ProviderMediaUnavailable
from faceid_relay.storage import Storage
from tests.fakes import settings
from tests.hardening.harness import FIGURES, Bucket
from tests.integration.relay import Relay, md5_hex

IMAGE_MD5 = md5_hex(b"image")
OURS = "https://faceid-relay-singapore-1250000000.cos.ap-singapore.myqcloud.com"
# compareImageUrl values that must never be fetched nor passed to FaceID.
SSRF_URLS = {
    "plain http": "http://faceid-relay-singapore-1250000000.cos.ap-singapore.myqcloud.com/a.jpg",
    "not a COS host": "https://evil.example/a.jpg",
    "COS host as a subdomain": f"{OURS}.evil.example/a.jpg",
    "IPv4 literal": "https://169.254.169.254/latest/meta-data/",
    "decimal IPv4": "https://2852039166/a.jpg",
    "octal IPv4": "https://0251.0376.0251.0376/a.jpg",
    "IPv6 literal": "https://[::ffff:169.254.169.254]/a.jpg",
    "other region": "https://photos-1250000000.cos.ap-bangkok.myqcloud.com/a.jpg",
    "no region": "https://photos-1250000000.cos.myqcloud.com/a.jpg",
    "userinfo before the COS host": f"https://user:pass@{OURS.removeprefix('https://')}/a.jpg",
    "COS host as userinfo": f"{OURS}@evil.example/a.jpg",
    "explicit odd port": f"{OURS}:8443/a.jpg",
    "port 80": f"{OURS}:80/a.jpg",
    "trailing dot": f"{OURS}./a.jpg",
    "upper-case host": OURS.upper().replace("HTTPS://", "https://") + "/a.jpg",
    "percent-encoded host": "https://faceid-relay-singapore-1250000000.cos.ap-singapore%2Emyqcloud.com/a.jpg",
    "backslash": f"{OURS}\\@evil.example/a.jpg",
    "dot segments": f"{OURS}/uploads/../verifications/x.json",
    "encoded dot segments": f"{OURS}/uploads/%2e%2e/verifications/x.json",
    "CR LF": f"{OURS}/a.jpg\r\nHost: evil.example",
    "tab in host": "https://faceid-relay-singapore-1250000000.cos.ap-\tsingapore.myqcloud.com/a.jpg",
    "NUL in key": f"{OURS}/a%00.jpg",
    "fragment": f"{OURS}/a.jpg#@evil.example",
    "no key": f"{OURS}/",
    "data URL": "data:image/jpeg;base64,/9j/4AAQ",
    "javascript URL": "javascript:alert(1)",
    "file URL": "file:///etc/passwd",
    "unicode full stop in host": "https://faceid-relay-singapore-1250000000.cos.ap-singapore\u3002myqcloud.com/a.jpg",
    "IDN look-alike host": "https://faceid-relay-singapore-1250000000.cos.ap-singapore.myqc\u0456oud.com/a.jpg",
    "overlong": f"{OURS}/{'a' * 9000}",
}
# Path parameters and tokens as an attacker writes them, raw on the request line.
HOSTILE_IDS = [
    "..",
    "../verifications",
    "..%2F..%2Fverifications",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fupload-records",
    "81EEF678-28EE-4759-A82E-6CBBBE6BC442%00",
    "81EEF678-28EE-4759-A82E-6CBBBE6BC442%0A",
    "81EEF678-28EE-4759-A82E-6CBBBE6BC442%2F..",
    "%EF%BC%8E%EF%BC%8E",  # full-width dots
    "%C0%AE%C0%AE",  # overlong UTF-8 dots
    "%E2%80%A5",  # two-dot leader
    "A" * 5000,
    "%FF%FE",
    "81eef678-28ee-4759-a82e-6cbbbe6bc442",
]
ID_ROUTES = [
    ("GET", "/verifications/{}", "result_read"),
    ("GET", "/liveness-comparisons/{}", "liveness_compare"),
    ("POST", "/verifications/{}/cancel", "verification_lifecycle"),
    ("POST", "/verifications/{}/redact", "verification_lifecycle"),
    ("POST", "/liveness-comparisons/{}/redact", "verification_lifecycle"),
    ("GET", "/callback?token={}", "redirect_callback"),
]
INJECTED = '\r\n{"level":"ERROR","message":"forged"}\x1b[31m\u2028forged'


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack()


@pytest.fixture(scope="module")
def bucket(relay: Relay) -> Bucket:
    return Bucket(relay.stack)


def send(
    relay: Relay,
    method: str,
    target: str,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request exactly as written (repeated headers stay repeated, the path is not normalised); the
    answer's header names in lower case."""
    address = urlsplit(relay.base)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (
            headers if headers is not None else [("Authorization", relay.auth["Authorization"])]
        ):
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, {name.lower(): value for name, value in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def assert_refused(
    answer: tuple[int, dict[str, str], bytes], status: int | None = None, field: str | None = None
) -> dict[str, Any]:
    code, headers, raw = answer
    context = f"{code} {raw[:300]!r}"
    assert 400 <= code < 500, context
    assert "location" not in headers, context
    assert headers.get("content-type", "").startswith("application/json"), context
    body: dict[str, Any] = json.loads(raw)
    assert {"code", "message"} <= set(body) <= {"code", "message", "field"}, context
    if status is not None:
        assert code == status, context
    if field is not None:
        assert body.get("field") == field, context
    return body


def json_headers(relay: Relay) -> list[tuple[str, str]]:
    return [("Authorization", relay.auth["Authorization"]), ("Content-Type", "application/json")]


def applies(relay: Relay) -> int:
    return len(relay.faceid_calls("ApplyWebVerificationBizTokenIntl"))


@pytest.mark.parametrize("url", SSRF_URLS.values(), ids=SSRF_URLS.keys())
def test_a_compare_image_url_off_our_region_is_refused_before_any_fetch(
    relay: Relay, bucket: Bucket, url: str
) -> None:
    state, asked = bucket.state(), applies(relay)
    body = {"compareImageUrl": url, "compareImageMd5": IMAGE_MD5, "returnUrl": f"{relay.base}/demo/result"}

    answer = send(relay, "POST", "/verifications", json.dumps(body).encode(), json_headers(relay))

    assert_refused(answer, 400, "compareImageUrl")
    assert (bucket.state(), applies(relay)) == (state, asked)
    FIGURES["SSRF URLs refused"] += 1


class _Redirector(BaseHTTPRequestHandler):
    """A 'COS' that answers every GET with a redirect to where an attacker wants the relay to go."""

    target = ""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


class _Internal(BaseHTTPRequestHandler):
    """An internal service that must never be reached (e.g. a metadata endpoint)."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        data = b"internal secret"
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[str, list[str]]]:
    internal = ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    redirector = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    _Redirector.target = f"http://127.0.0.1:{internal.server_address[1]}/latest/meta-data/"
    _Internal.hits = []
    for server in (internal, redirector):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{redirector.server_address[1]}", _Internal.hits
    finally:
        for server in (internal, redirector):
            server.shutdown()
            server.server_close()


def test_a_cos_url_that_redirects_is_not_followed(servers: tuple[str, list[str]]) -> None:
    """Found here: downloads of a compare image or of FaceID's media followed redirects, so a URL that passed
    the COS-in-region check could still make the function fetch any address."""
    cos, internal_hits = servers
    storage = Storage(settings(RELAY_COS_ENDPOINT=cos))

    with pytest.raises(ProviderMediaUnavailable):
        storage.fetch_url(f"{OURS}/uploads/compare-image/photo.jpg", 1_000_000)

    assert internal_hits == []


@pytest.mark.parametrize(
    ("method", "route", "function"), ID_ROUTES, ids=[f"{m} {r}" for m, r, _ in ID_ROUTES]
)
def test_hostile_ids_and_tokens_are_refused_and_change_nothing(
    relay: Relay, bucket: Bucket, method: str, route: str, function: str
) -> None:
    """Sent to the function as an SCF Function URL event (the local gateway's router would stop a path with
    a slash in it before the function; a platform passes it on), both as written and percent-decoded."""
    state = bucket.state()
    for value in HOSTILE_IDS:
        for written in {value, unquote(value, errors="replace")}:
            path, _, token = route.format(written).partition("?token=")
            event = {
                "httpMethod": method,
                "path": path,
                "queryString": {"token": token} if token else {},
                "headers": {"authorization": relay.auth["Authorization"], "accept": "application/json"},
                "body": "",
            }

            answer = requests.post(f"{relay.base}/_invoke/{function}", json=event, timeout=60)

            assert answer.status_code == 200, answer.text
            response = answer.json()
            assert 400 <= response["statusCode"] < 500, (written, response)
            assert set(json.loads(response["body"])) <= {"code", "message", "field"}
            FIGURES["hostile ids tried"] += 1
    assert bucket.state() == state


def upload_body() -> bytes:
    return json.dumps(
        {"purpose": "compare-image", "size": 1000, "contentType": "image/jpeg", "md5": IMAGE_MD5}
    ).encode()


def test_authorization_tricks_are_refused(relay: Relay, bucket: Bucket) -> None:
    token = relay.auth["Authorization"].removeprefix("Bearer ")
    state = bucket.state()
    # (Two Authorization headers: the corpus's lambda-v1 event; the local SCF shapes keep only the last one,
    # as a dict would, so the function never sees the other.)
    tricks = [
        [("Authorization", f"Bearer {token}, Bearer {token}")],
        [("Authorization", f"Bearer\t{token}")],
        [("Authorization", f"Bearer{token}")],
        [("Authorization", f"Token {token}")],
        [("Authorization", f"Bearer {token}\xe9")],
        [("Authorization", f"Bearer {'x' * 16000}")],
        [("X-Authorization", f"Bearer {token}")],
    ]
    for headers in tricks:
        answer = send(
            relay, "POST", "/uploads", upload_body(), [*headers, ("Content-Type", "application/json")]
        )

        assert_refused(answer, 401)
    assert bucket.state() == state


def test_the_bearer_scheme_is_case_insensitive(relay: Relay) -> None:
    token = relay.auth["Authorization"].removeprefix("Bearer ")
    headers = [("Authorization", f"bEaReR {token}"), ("Content-Type", "application/json")]

    status, _, raw = send(relay, "POST", "/uploads", upload_body(), headers)

    assert status == 200, raw


CONTENT_TYPES = {
    "Application/JSON": 200,
    "application/json; charset=utf-8": 200,
    "APPLICATION/JSON ; charset=UTF-8": 200,
    "application/json, text/plain": 415,
    "application/jsonp": 415,
    "application/json-seq": 415,
    "application/x-www-form-urlencoded": 415,
    "multipart/form-data; boundary=x": 415,
    "text/json": 415,
    "text/plain": 415,
}


@pytest.mark.parametrize(("content_type", "status"), CONTENT_TYPES.items(), ids=CONTENT_TYPES.keys())
def test_only_a_json_body_is_read(relay: Relay, content_type: str, status: int) -> None:
    headers = [("Authorization", relay.auth["Authorization"]), ("Content-Type", content_type)]

    answer = send(relay, "POST", "/uploads", upload_body(), headers)

    if status == 200:
        assert answer[0] == 200, answer[2]
    else:
        assert assert_refused(answer, 415)["code"] == "UnsupportedContentType"


def test_two_content_type_headers_are_refused(relay: Relay) -> None:
    headers = [
        ("Authorization", relay.auth["Authorization"]),
        ("Content-Type", "application/json"),
        ("Content-Type", "text/plain"),
    ]

    assert_refused(send(relay, "POST", "/uploads", upload_body(), headers), 415)


def upload_json(**fields: str) -> str:
    """The upload request's JSON text with some members written raw (`size="1e999"`)."""
    members = {
        "purpose": '"compare-image"',
        "size": "1",
        "contentType": '"image/jpeg"',
        "md5": f'"{IMAGE_MD5}"',
    }
    return "{" + ",".join(f'"{name}":{value}' for name, value in {**members, **fields}.items()) + "}"


JSON_TRICKS: dict[str, tuple[bytes, str]] = {
    "infinite size": (upload_json(size="1e999").encode(), "size"),
    "NaN size": (upload_json(size="NaN").encode(), "size"),
    "negative zero": (upload_json(size="-0").encode(), "size"),
    "40-digit integer": (upload_json(size="9" * 40).encode(), "body"),
    "purpose given twice": (
        upload_json().replace('{"purpose"', '{"purpose":"device-data","purpose"').encode(),
        "purpose",
    ),
    "metadata key given twice": (
        b'{"returnUrl":"https://app.example.com/","metadata":{"userId":"a","userId":"b"}}',
        "userId",
    ),
    "BOM": (b"\xef\xbb\xbf" + upload_json().encode(), "body"),
    "UTF-16": (upload_json().encode("utf-16"), "body"),
    "Latin-1 byte": (upload_json(purpose='"compare-image\xe9"').encode("latin-1"), "body"),
    "escaped lone surrogate": (upload_json(purpose='"compare-image\\ud800"').encode(), "purpose"),
    "trailing garbage": (upload_json().encode() + b"x", "body"),
}


@pytest.mark.parametrize("name", JSON_TRICKS)
def test_json_tricks_are_refused_naming_the_field(relay: Relay, bucket: Bucket, name: str) -> None:
    body, field = JSON_TRICKS[name]
    state = bucket.state()

    answer = send(relay, "POST", "/uploads", body, json_headers(relay))

    assert_refused(answer, 400, field)
    assert bucket.state() == state


def test_injected_lines_and_terminal_codes_never_reach_the_log_raw(relay: Relay) -> None:
    logged = relay.stack.log_path.stat().st_size
    body = {
        "returnUrl": f"{relay.base}/demo/result",
        "reference": INJECTED,
        "metadata": {INJECTED: INJECTED},
        "extra": INJECTED,
    }
    headers = [
        *json_headers(relay),
        ("Idempotency-Key", quote(INJECTED)),
        ("User-Agent", "agent\x1b[2Jforged"),
        ("X-Forwarded-For", "1.2.3.4\x1b[31m"),
    ]

    for target in (
        "/verifications",
        f"/verifications/{quote(INJECTED)}",
        f"/callback?token={quote(INJECTED)}",
    ):
        send(
            relay, "POST" if target == "/verifications" else "GET", target, json.dumps(body).encode(), headers
        )

    with relay.stack.log_path.open("rb") as log:
        log.seek(logged)
        written = log.read()
    assert b"\x1b" not in written
    assert not any(
        line.lstrip().startswith(b'{"level":"ERROR","message":"forged"') for line in written.splitlines()
    )


# Names a client makes up, refused without being echoed: the error locates them at what holds them.
MADE_UP_NAMES: dict[str, tuple[str, str]] = {
    "metadata key with a card number": ("metadata", "card 4111111111111111"),
    "metadata key of 100 characters": ("metadata", "k" * 100),
    "unicode metadata key": ("metadata", "\u540d\u524d"),
    "unknown field with markup": ("body", "<script>alert(1)</script>"),
    "unknown field of 300 characters": ("body", "f" * 300),
}


@pytest.mark.parametrize("name", MADE_UP_NAMES)
def test_a_name_the_client_made_up_is_never_echoed(relay: Relay, name: str) -> None:
    """Found here: a refused metadata key or unknown field came back verbatim in `field` and `message`."""
    field, made_up = MADE_UP_NAMES[name]
    fields = {"metadata": {made_up: "x"}} if field == "metadata" else {made_up: 1}
    body = {"returnUrl": f"{relay.base}/demo/result", **fields}

    answer = send(relay, "POST", "/verifications", json.dumps(body).encode(), json_headers(relay))

    refused = assert_refused(answer, 400, field)
    assert made_up not in refused["message"]
    assert "4111" not in answer[2].decode()
    assert "<script>" not in answer[2].decode()
