"""Whoever sends a wrong BizToken or key (unknown, malformed, traversing, another deployment's) gets a 4xx
JSON error, never a redirect, a FaceID call or a change in the bucket; a replayed callback changes nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.hardening.harness import FIGURES, Bucket, assert_error, drain
from tests.integration.relay import Relay, binary_blob, photo

GET_RESULT = "GetWebVerificationResultIntl"
UNKNOWN_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"


PURPOSES = ("compare-image", "device-data", "live-data")
CONTENT = {
    "compare-image": (photo, "image/jpeg"),
    "device-data": (binary_blob, "application/octet-stream"),
    "live-data": (binary_blob, "application/octet-stream"),
}


@dataclass(frozen=True)
class World:
    """Our deployment with one finished verification and an upload of each purpose, and another
    deployment (as another region's would be) with the same of its own."""

    relay: Relay
    bucket: Bucket
    token: str
    callback_url: str
    ours: dict[str, str]
    record_object: str
    foreign_token: str
    foreign: dict[str, str]


def uploads(relay: Relay) -> dict[str, str]:
    keys = {}
    for purpose in PURPOSES:
        make, content_type = CONTENT[purpose]
        keys[purpose] = relay.upload(purpose, make(), content_type)
    drain(relay.stack)
    return keys


def finished_verification(relay: Relay, image: str) -> tuple[str, str]:
    issued = relay.start_verification(image, reference="attack-1")
    callback_url = relay.complete_on_faceid(issued["verificationUrl"], "pass")
    assert relay.callback(callback_url).status_code == 302
    return issued["bizToken"], callback_url


@pytest.fixture(scope="module")
def world(make_stack: Callable[..., Relay]) -> World:
    relay, other = make_stack(), make_stack()
    ours, foreign = uploads(relay), uploads(other)
    token, callback_url = finished_verification(relay, ours["compare-image"])
    foreign_token, _ = finished_verification(other, foreign["compare-image"])
    bucket = Bucket(relay.stack)
    (record,) = bucket.keys(f"upload-records/{ours['compare-image'].removeprefix('uploads/')}/")
    return World(relay, bucket, token, callback_url, ours, record, foreign_token, foreign)


Value = Callable[[World], Any]


def mixed_case(token: str) -> str:
    """The token with its first letter's case flipped: a different token whatever digits it starts with."""
    first = next(i for i, char in enumerate(token) if char.isalpha())
    return token[:first] + token[first].swapcase() + token[first + 1 :]


TOKENS: dict[str, Value] = {
    "unknown": lambda w: UNKNOWN_TOKEN,
    "unknown, lower case": lambda w: UNKNOWN_TOKEN.lower(),
    "another deployment's": lambda w: w.foreign_token,
    "ours in lower case (a different token)": lambda w: w.token.lower(),
    "ours in mixed case": lambda w: mixed_case(w.token),
    "ours with a trailing space": lambda w: f"{w.token} ",
    "ours with CR LF and a header": lambda w: f"{w.token}\r\nLocation: http://evil.example/",
    "ours with NUL": lambda w: f"{w.token}\x00",
    "ours with .json": lambda w: f"{w.token}.json",
    "ours without dashes": lambda w: w.token.replace("-", ""),
    "ours in braces": lambda w: f"{{{w.token}}}",
    "ours twice": lambda w: w.token + w.token,
    "path traversal": lambda w: "../../etc/passwd",
    "traversal to a session record": lambda w: f"../{w.token}/session.json",
    "traversal inside a token": lambda w: f"{w.token}/../{w.foreign_token}",
    "full-width digits": lambda w: "\uff18\uff11EEF678-28EE-4759-A82E-6CBBBE6BC442",
    "empty": lambda w: "",
    "operator injection": lambda w: '{"$ne": null}',
    "SQL injection": lambda w: "' OR '1'='1",
    "65 characters": lambda w: "A" * 65,
}
# The path parameter, as sent (already percent-encoded). A '/' in it, even as %2F, is another path that no
# gateway routes to this function, so traversal here is by dot segments the gateway does not resolve.
PATH_TOKENS: dict[str, Value] = {
    "unknown": lambda w: UNKNOWN_TOKEN,
    "another deployment's": lambda w: w.foreign_token,
    "ours in lower case (a different token)": lambda w: w.token.lower(),
    "ours after an encoded CR (urlsplit would drop it)": lambda w: f"%0D{w.token}",
    "ours before an encoded LF": lambda w: f"{w.token}%0A",
    "ours in mixed case": lambda w: mixed_case(w.token),
    "encoded dot-dot": lambda w: "%2e%2e",
    "encoded dot": lambda w: "%2E",
    "ours with an encoded space": lambda w: f"{w.token}%20",
    "ours with encoded CR LF and a header": lambda w: f"{w.token}%0D%0AX-Injected:%201",
    "ours with encoded NUL": lambda w: f"{w.token}%00",
    "ours with .json": lambda w: f"{w.token}.json",
    "ours with a matrix parameter": lambda w: f"{w.token};x=1",
    "ours in encoded braces": lambda w: f"%7B{w.token}%7D",
    "a record file name": lambda w: "session.json",
    "65 characters": lambda w: "A" * 65,
}

# Attacks on a key field, built from a real key of the field's own purpose (`own`) so that the purpose
# check alone cannot be what refuses them.
KeyAttack = Callable[[World, str], Any]
ATTACK_KEYS: dict[str, KeyAttack] = {
    "traversal out of uploads/": lambda w, own: own[:15] + "../../upload-records/x",
    "traversal through another purpose": lambda w, own: own.replace("uploads/", "uploads/live-data/../"),
    "encoded traversal": lambda w, own: "uploads/%2e%2e/" + own.removeprefix("uploads/"),
    "leading slash": lambda w, own: "/" + own,
    "double slash": lambda w, own: own.replace("uploads/", "uploads//"),
    "backslashes": lambda w, own: own.replace("/", "\\"),
    "upper-case hex": lambda w, own: own[:-32] + own[-32:].upper(),
    "upper-case prefix": lambda w, own: "UPLOADS/" + own.removeprefix("uploads/"),
    "extension added": lambda w, own: own + ".jpg",
    "trailing newline": lambda w, own: own + "\n",
    "NUL inside": lambda w, own: own[:-1] + "\x00",
    "look-alike hyphen": lambda w, own: own.replace("-", "\u2010", 1),
    "an MD5 record of ours": lambda w, own: w.record_object,
    "a stored result of ours": lambda w, own: f"results/{w.token}/best-frame.jpg",
    "a session record of ours": lambda w, own: f"verifications/{w.token}/session.json",
    "another deployment's upload of this purpose": lambda w, own: w.foreign[own.split("/")[1]],
    "our upload of another purpose": lambda w, own: next(key for key in w.ours.values() if key != own),
    "empty": lambda w, own: "",
    "a number": lambda w, own: 12345,
    "a list": lambda w, own: [own],
    "an object": lambda w, own: {"key": own},
}


@dataclass(frozen=True)
class KeyField:
    """A field naming an upload, its purpose, the request it is in (every other field valid) and the FaceID
    action it would lead to."""

    field: str
    purpose: str
    path: str
    body: Callable[[World, Any], dict[str, Any]]
    action: str


KEY_FIELDS = [
    KeyField(
        "compareImageKey",
        "compare-image",
        "/verifications",
        lambda w, key: {"compareImageKey": key, "returnUrl": f"{w.relay.base}/demo/result"},
        "ApplyWebVerificationBizTokenIntl",
    ),
    KeyField(
        "deviceDataKey",
        "device-data",
        "/sequences",
        lambda w, key: {"deviceDataKey": key},
        "GenerateReflectSequence",
    ),
    KeyField(
        "liveDataKey",
        "live-data",
        "/liveness-comparisons",
        lambda w, key: {"liveDataKey": key, "imageKey": w.ours["compare-image"]},
        "DetectReflectLivenessAndCompare",
    ),
    KeyField(
        "imageKey",
        "compare-image",
        "/liveness-comparisons",
        lambda w, key: {"liveDataKey": w.ours["live-data"], "imageKey": key},
        "DetectReflectLivenessAndCompare",
    ),
]


def faceid_calls(world: World) -> int:
    actions = {GET_RESULT, *(field.action for field in KEY_FIELDS)}
    return sum(len(world.relay.faceid_calls(action)) for action in actions)


def refused_untouched(world: World, send: Callable[[], requests.Response]) -> requests.Response:
    """`send`'s answer, checked to be our 400 or 404 error with nothing asked of FaceID and nothing stored."""
    calls, state = faceid_calls(world), world.bucket.state()
    answer = send()
    assert_error(answer)
    assert answer.status_code in (400, 404)
    assert (faceid_calls(world), world.bucket.state()) == (calls, state)
    return answer


@pytest.mark.parametrize("token", TOKENS.values(), ids=TOKENS.keys())
def test_a_callback_with_a_token_we_did_not_issue_is_refused_without_a_redirect(
    world: World, token: Value
) -> None:
    url = f"{world.relay.base}/callback?token={quote(token(world), safe='')}"

    refused_untouched(world, lambda: world.relay.callback(url))
    FIGURES["callback attacks refused"] += 1


@pytest.mark.parametrize("query", ["", "?tok=x", f"?token[]={UNKNOWN_TOKEN}", f"?TOKEN={UNKNOWN_TOKEN}"])
def test_a_callback_without_a_token_parameter_is_refused_without_a_redirect(world: World, query: str) -> None:
    answer = world.relay.callback(f"{world.relay.base}/callback{query}")

    assert_error(answer, 400, "InvalidRequest")
    FIGURES["callback attacks refused"] += 1


@pytest.mark.parametrize("token", PATH_TOKENS.values(), ids=PATH_TOKENS.keys())
def test_a_result_read_with_a_token_we_did_not_issue_is_refused(world: World, token: Value) -> None:
    refused_untouched(world, lambda: world.relay.get(f"/verifications/{token(world)}"))
    FIGURES["callback attacks refused"] += 1


def test_replaying_a_finished_callback_with_other_parameters_changes_nothing(world: World) -> None:
    first = world.relay.callback(world.callback_url)
    calls, state = faceid_calls(world), world.bucket.state()

    replayed = world.relay.callback(
        f"{world.callback_url}&status=failed&reference=other&returnUrl=http://evil.example/"
    )

    assert replayed.status_code == first.status_code == 302
    assert replayed.headers["Location"] == first.headers["Location"]
    assert "evil" not in replayed.headers["Location"]
    assert (faceid_calls(world), world.bucket.state()) == (calls, state)


@pytest.mark.parametrize("attack", ATTACK_KEYS.values(), ids=ATTACK_KEYS.keys())
@pytest.mark.parametrize("target", KEY_FIELDS, ids=[field.field for field in KEY_FIELDS])
def test_a_key_field_accepts_only_our_own_uploads_of_its_purpose(
    world: World, target: KeyField, attack: KeyAttack
) -> None:
    body = target.body(world, attack(world, world.ours[target.purpose]))

    answer = refused_untouched(world, lambda: world.relay.post(target.path, body))

    assert answer.json().get("field") == target.field
    FIGURES["key-field attacks refused"] += 1
