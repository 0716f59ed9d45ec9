"""Near-valid requests the OpenAPI document cannot describe (real keys, COS URLs, return URLs, tokens, all
mutated) drive the gateway: no 5xx, errors in the shape, and success only for what is really ours."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localcloud import accounts
from localcloud.stack import faceid_resource_bucket
from tests.hardening.harness import FIGURES, assert_error, drain
from tests.integration.relay import Relay, as_base64_text, binary_blob, photo

EXAMPLES = 100
PURPOSES = ("compare-image", "device-data", "live-data")
CONTENT = {
    "compare-image": (photo, "image/jpeg"),
    "device-data": (binary_blob, "application/octet-stream"),
    "live-data": (binary_blob, "application/octet-stream"),
}
URL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
PATH_PIECES = st.sampled_from(
    ["/", "a", "..", ".", "%2e", "%2E%2E", "%2F", "//", "@", "?", "#", "\\", "%00", "é", "%0d%0a", ";"]
)


@dataclass(frozen=True)
class Ours:
    relay: Relay
    keys: dict[str, str]
    base64_text_image: str
    token: str


@pytest.fixture(scope="module")
def ours(make_stack: Callable[..., Relay]) -> Ours:
    relay = make_stack()
    keys = {}
    for purpose in PURPOSES:
        make, content_type = CONTENT[purpose]
        keys[purpose] = relay.upload(purpose, make(), content_type)
    text = relay.upload("compare-image", as_base64_text(photo()), "image/jpeg")
    drain(relay.stack)
    issued = relay.start_verification(keys["compare-image"])
    assert relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass")).status_code == 302
    return Ours(relay, keys, text, issued["bizToken"])


def mutated(value: str) -> st.SearchStrategy[str]:
    """The value with a piece cut out, or something put in, or its case changed."""
    at = st.integers(0, len(value))
    return st.one_of(
        st.tuples(at, at).map(lambda span: value[: min(span)] + value[max(span) :]),
        st.tuples(at, st.one_of(PATH_PIECES, URL_TEXT)).map(
            lambda cut: value[: cut[0]] + cut[1] + value[cut[0] :]
        ),
        st.just(value.upper()),
        st.just(value.swapcase()),
    )


def keys(ours: Ours) -> st.SearchStrategy[Any]:
    real = [*ours.keys.values(), ours.base64_text_image]
    return st.one_of(
        st.sampled_from(real),
        st.sampled_from(real),
        st.sampled_from(real).flatmap(mutated),
        st.from_regex(r"uploads/(compare-image|device-data|live-data)/[0-9a-fA-F]{31,33}", fullmatch=True),
        st.sampled_from(["upload-records/", "verifications/", "results/", "uploads/"]).flatmap(
            lambda prefix: URL_TEXT.map(prefix.__add__)
        ),
        st.none(),
        st.integers(),
    )


def md5s() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.from_regex(r"[0-9a-fA-F]{32}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9+/]{22}==", fullmatch=True),
        URL_TEXT,
        st.none(),
    )


def cos_urls() -> st.SearchStrategy[str]:
    buckets = st.sampled_from(
        [
            accounts.app_bucket("ap-singapore"),
            faceid_resource_bucket("ap-singapore"),
            "examplebucket-1250000000",
            "bad_bucket",
            "a-1",
        ]
    )
    regions = st.sampled_from([*accounts.REGIONS, "ap-guangzhou", "AP-SINGAPORE"])
    authority = st.tuples(
        st.sampled_from(["", "user@", "user:pw@"]),
        buckets,
        regions,
        st.sampled_from(["", ".", ":443", ":8443", ".evil.example"]),
    ).map(lambda part: f"{part[0]}{part[1]}.cos.{part[2]}.myqcloud.com{part[3]}")
    path = st.lists(st.one_of(PATH_PIECES, URL_TEXT), max_size=6).map("".join)
    query = st.sampled_from(["", "?q-signature=0", "?x-cos-security-token=t&q-signature=1", "#frag"])
    scheme = st.sampled_from(["https://", "http://", "HTTPS://", "https:\\\\", "//"])
    return st.tuples(scheme, authority, path, query).map(
        lambda part: f"{part[0]}{part[1]}/{part[2]}{part[3]}"
    )


def well_formed_cos_urls() -> st.SearchStrategy[str]:
    """URLs that pass every check of ours, so FaceID is asked (and cannot download them)."""
    buckets = st.sampled_from([accounts.app_bucket("ap-singapore"), faceid_resource_bucket("ap-singapore")])
    objects = st.from_regex(
        r"(uploads/device-data/|uploads/live-data/|faceid/)?[a-z0-9]{1,32}", fullmatch=True
    )
    return st.tuples(buckets, objects).map(
        lambda part: f"https://{part[0]}.cos.ap-singapore.myqcloud.com/{part[1]}?q-signature=0"
    )


def sources(ours: Ours, name: str) -> st.SearchStrategy[dict[str, Any]]:
    """`<name>Key`, or `<name>Url` with `<name>Md5`, or any mix of the three (which must be refused)."""
    hex_md5 = st.from_regex(r"[0-9a-f]{32}", fullmatch=True)
    return st.one_of(
        st.fixed_dictionaries({f"{name}Key": keys(ours)}),
        st.fixed_dictionaries(
            {f"{name}Url": st.one_of(cos_urls(), well_formed_cos_urls()), f"{name}Md5": hex_md5}
        ),
        st.fixed_dictionaries(
            {},
            optional={
                f"{name}Key": keys(ours),
                f"{name}Url": st.one_of(cos_urls(), URL_TEXT),
                f"{name}Md5": md5s(),
            },
        ),
    )


def return_urls(ours: Ours) -> st.SearchStrategy[str]:
    port = int(ours.relay.base.rsplit(":", 1)[1])
    scheme = st.sampled_from(["http://", "HTTP://", "https://", "javascript://", "//", "http:\\\\"])
    host = st.sampled_from(
        ["127.0.0.1", "localhost", "evil.example", "127.0.0.1.evil.example", "[::1]", "user@127.0.0.1"]
    )
    ports = st.sampled_from([f":{port}", f":{port + 1}", ""])
    path = st.lists(st.one_of(PATH_PIECES, URL_TEXT), max_size=6).map(lambda pieces: "/" + "".join(pieces))
    return st.tuples(scheme, host, ports, path).map("".join)


def allowed_origin(url: str, ours: Ours) -> bool:
    """By construction: the one way return_urls() writes the allowed origin, followed by a path."""
    return url.lower().startswith(f"{ours.relay.base}/")


def send(ours: Ours, method: str, path: str, body: Any = None) -> requests.Response:
    FIGURES["requests fuzzed (models)"] += 1
    return requests.request(
        method,
        f"{ours.relay.base}{path}",
        json=body,
        headers=ours.relay.auth,
        allow_redirects=False,
        timeout=60,
    )


def check(answer: requests.Response, may_succeed: bool) -> None:
    request = answer.request
    context = f"{request.method} {request.url} {request.body!r} -> {answer.status_code} {answer.text[:300]}"
    assert answer.status_code < 500, context
    if answer.status_code >= 400:
        assert_error(answer)
    else:
        assert may_succeed, context


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def test_near_valid_upload_requests_never_fail_on_our_side(ours: Ours) -> None:
    content_types = ["image/jpeg", "IMAGE/PNG", "application/octet-stream", "text/plain", "image/jpeg; x=1"]
    actions = [
        "GenerateReflectSequence",
        "DetectReflectLivenessAndCompare",
        "ApplyWebVerificationToken",
        "CreateUploadUrl",
    ]
    bodies = st.fixed_dictionaries(
        {
            "purpose": st.sampled_from(PURPOSES),
            "size": st.one_of(st.integers(1, 7_000_000), st.sampled_from([6_000_000, 6_000_001, 52_428_801])),
            "contentType": st.sampled_from(content_types),
        },
        optional={
            "md5": st.from_regex(r"[0-9a-fA-F]{32}", fullmatch=True),
            "via": st.sampled_from(["bucket", "faceid"]),
            "targetAction": st.sampled_from(actions),
        },
    )

    @FUZZ
    @given(body=bodies)
    def run(body: dict[str, Any]) -> None:
        answer = send(ours, "POST", "/uploads", body)
        check(answer, may_succeed=True)
        if answer.status_code == 200 and body.get("via", "bucket") == "bucket":
            key = answer.json()["key"]
            assert re.fullmatch(f"uploads/{body['purpose']}/[0-9a-f]{{32}}", key), key
            assert answer.json()["headers"]["x-cos-forbid-overwrite"] == "true"

    run()


def test_sequences_succeed_only_for_our_own_device_data(ours: Ours) -> None:
    @FUZZ
    @given(body=sources(ours, "deviceData"), level=st.sampled_from([None, "1", "4", 2, "5", True]))
    def run(body: dict[str, Any], level: Any) -> None:
        answer = send(ours, "POST", "/sequences", body if level is None else {**body, "securityLevel": level})
        real = body == {"deviceDataKey": ours.keys["device-data"]} and level in (None, "1", "4", 2)
        check(answer, may_succeed=real)

    run()


def test_liveness_comparisons_succeed_only_for_our_own_uploads(ours: Ours) -> None:
    @FUZZ
    @given(live=sources(ours, "liveData"), image=sources(ours, "image"))
    def run(live: dict[str, Any], image: dict[str, Any]) -> None:
        answer = send(ours, "POST", "/liveness-comparisons", {**live, **image})
        real = {"liveDataKey": ours.keys["live-data"], "imageKey": ours.keys["compare-image"]}
        check(answer, may_succeed={**live, **image} == real)

    run()


def test_verifications_are_issued_only_for_the_allowed_origin(ours: Ours) -> None:
    bodies = st.fixed_dictionaries(
        {"returnUrl": return_urls(ours)},
        optional={"compareImageKey": keys(ours), "reference": URL_TEXT, "extra": URL_TEXT},
    )

    @FUZZ
    @given(body=bodies)
    def run(body: dict[str, Any]) -> None:
        answer = send(ours, "POST", "/verifications", body)
        check(answer, may_succeed=allowed_origin(body["returnUrl"], ours))

    run()


def test_only_the_issued_token_redirects_or_reads_a_result(ours: Ours) -> None:
    tokens = st.one_of(
        st.just(ours.token),
        mutated(ours.token),
        st.uuids().map(str),
        st.uuids().map(lambda u: str(u).upper()),
        URL_TEXT,
    )

    @FUZZ
    @given(token=tokens)
    def run(token: str) -> None:
        callback = send(ours, "GET", f"/callback?token={quote(token, safe='')}")
        if token == ours.token:
            assert callback.status_code == 302
        else:
            check(callback, may_succeed=False)
        if "/" not in token and token not in ("", ".", ".."):
            result = send(ours, "GET", f"/verifications/{quote(token, safe='')}")
            check(result, may_succeed=token == ours.token)

    run()
