"""POST Object: browser form uploads signed with a policy are stored, notified and refused as COS does.

cos-python-sdk-v5 has no POST helper, so the form is built here the way the official demo builds it."""

import base64
import hashlib
import hmac
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from qcloud_cos import CosS3Client, CosServiceError

from localcloud import accounts
from localcloud.cos import CorsRule
from tests.contract.cos.harness import (
    APP_ORIGIN,
    BUCKET,
    OTHER_BUCKET,
    REGION,
    Emulator,
    Recorder,
    bucket_configs,
    md5_b64,
    md5_hex,
)

KEY = "uploads/compare-image/photo 1+原.jpg"
BODY = b"\xff\xd8\xff jpeg bytes"
LIFETIME_SECONDS = 900

# The worked example of COS API 436/14690 "Signature protection use cases": key, KeyTime, the policy field
# (base64 of the policy's exact JSON text) and the signature the doc derives from them.
DOC_SECRET_KEY = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
DOC_KEY_TIME = "1567150692;1567157892"
DOC_POLICY_FIELD = (
    "ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAg"
    "IHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAg"
    "ICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0"
    "aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25f"
    "cmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5j"
    "cnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEt"
    "YWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1"
    "NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9"
)
DOC_SIGNATURE = "7758dc9a832e9d301dca704cacbf9d9f8172fdef"


def policy_signature(secret_key: str, key_time: str, policy_text: str) -> str:
    """As tencentyun/cos-js-sdk-v5 server/sts.js (/post-policy) signs: SignKey = hex HMAC-SHA1(SecretKey,
    KeyTime), StringToSign = hex SHA1(policy JSON text), Signature = hex HMAC-SHA1(SignKey, StringToSign)."""
    sign_key = hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    string_to_sign = hashlib.sha1(policy_text.encode(), usedforsecurity=False).hexdigest()
    return hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()


def iso(epoch: float) -> str:
    """As JavaScript's toISOString writes the policy expiration."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sign(
    document: dict[str, Any], key_time: str, key: accounts.KeyPair = accounts.PERMANENT
) -> dict[str, str]:
    """The form fields of a signed policy (doc step 7); a temporary key adds its session token."""
    policy = json.dumps(document)
    fields = {
        "policy": base64.b64encode(policy.encode()).decode(),
        "q-sign-algorithm": "sha1",
        "q-ak": key.secret_id,
        "q-key-time": key_time,
        "q-signature": policy_signature(key.secret_key, key_time, policy),
    }
    if key.token:
        fields["x-cos-security-token"] = key.token
    return fields


def signed_fields(
    emulator: Emulator,
    conditions: list[Any],
    *,
    key: accounts.KeyPair = accounts.PERMANENT,
    key_seconds: int = LIFETIME_SECONDS,
    policy_seconds: int = LIFETIME_SECONDS,
) -> dict[str, str]:
    """A relay's policy from now on the emulator's clock: the three required conditions, then `conditions`."""
    now = int(emulator.clock.now())
    key_time = f"{now};{now + key_seconds}"
    required = [{"q-sign-algorithm": "sha1"}, {"q-ak": key.secret_id}, {"q-sign-time": key_time}]
    return sign(
        {"expiration": iso(now + policy_seconds), "conditions": [*required, *conditions]}, key_time, key
    )


def upload_form(
    emulator: Emulator,
    key: str = KEY,
    conditions: list[Any] | None = None,
    signer: accounts.KeyPair = accounts.PERMANENT,
) -> dict[str, str]:
    """The usual relay form: exactly this bucket and key, image content types only."""
    pinned = [{"bucket": BUCKET}, {"key": key}, ["starts-with", "$Content-Type", "image/"]]
    signed = signed_fields(emulator, pinned + (conditions or []), key=signer)
    return {"key": key, "Content-Type": "image/jpeg", **signed}


def post(
    emulator: Emulator,
    fields: dict[str, str],
    body: bytes = BODY,
    *,
    filename: str = "photo.jpg",
    file_type: str = "image/jpeg",
    path: str = f"/{BUCKET}/",
    headers: dict[str, str] | None = None,
    after_file: list[tuple[str, tuple[None, str]]] | None = None,
) -> requests.Response:
    """A browser's form POST: `fields` in order, then `file`, then `after_file` (a submit button)."""
    files: list[tuple[str, Any]] = [("file", (filename, body, file_type)), *(after_file or [])]
    return requests.post(
        f"{emulator.url}{path}", data=fields, files=files, headers=headers, timeout=10, allow_redirects=False
    )


def error_of(response: requests.Response) -> tuple[int, str]:
    match = re.search(r"<Code>([^<]*)</Code>", response.text)
    return response.status_code, match.group(1) if match else ""


def message_of(response: requests.Response) -> str:
    match = re.search(r"<Message>([^<]*)</Message>", response.text)
    return match.group(1) if match else ""


def events_to(emulator: Emulator, function: str) -> list[dict[str, Any]]:
    return [entry["event"] for entry in emulator.recorder.events if entry["path"] == f"/_invoke/{function}"]


def sdk_status(call: Callable[[], object]) -> int:
    with pytest.raises(CosServiceError) as raised:
        call()
    status: int = raised.value.get_status_code()
    return status


# ---- accepted uploads -----------------------------------------------------------------------------------


def test_the_signing_helper_reproduces_the_doc_example() -> None:
    # Every accepted upload below is signed by this helper, so the emulator verifies the doc's algorithm.
    policy_text = base64.b64decode(DOC_POLICY_FIELD).decode()

    assert policy_signature(DOC_SECRET_KEY, DOC_KEY_TIME, policy_text) == DOC_SIGNATURE


def test_signed_form_upload_is_stored_and_reads_back_with_the_sdk(
    emulator: Emulator, cos: CosS3Client
) -> None:
    fields = {
        **upload_form(emulator),
        "Cache-Control": "max-age=60",
        "Content-Disposition": "inline",
        "x-cos-meta-purpose": "compare",
    }

    response = post(emulator, fields, file_type="application/octet-stream")

    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["ETag"] == f'"{md5_hex(BODY)}"'
    assert response.headers["Location"] == (
        f"http://{BUCKET}.cos.{REGION}.myqcloud.com/uploads/compare-image/photo%201%2B%E5%8E%9F.jpg"
    )
    stored = cos.get_object(Bucket=BUCKET, Key=KEY)
    assert stored["Body"].get_raw_stream().read() == BODY
    # The Content-Type form field, not the file part's own type (COS ignores the browser's MIME type).
    assert (stored["Content-Type"], stored["ETag"]) == ("image/jpeg", f'"{md5_hex(BODY)}"')
    assert (stored["Cache-Control"], stored["Content-Disposition"]) == ("max-age=60", "inline")
    assert stored["x-cos-meta-purpose"] == "compare"


def test_virtual_host_form_replaces_the_filename_wildcard_before_the_policy_check(
    emulator: Emulator, cos: CosS3Client
) -> None:
    virtual_host = {"Host": f"{BUCKET}.cos.{REGION}.myqcloud.com"}
    by_prefix = signed_fields(emulator, [["starts-with", "$key", "uploads/selfies/"]])
    wildcard_in_policy = signed_fields(emulator, [{"key": "uploads/selfies/${filename}"}])

    accepted = post(
        emulator,
        {"key": "uploads/selfies/${filename}", **by_prefix},
        filename="me.jpg",
        path="/",
        headers=virtual_host,
    )
    refused = post(
        emulator,
        {"key": "uploads/selfies/${filename}", **wildcard_in_policy},
        filename="me.jpg",
        path="/",
        headers=virtual_host,
    )

    assert accepted.status_code == 204
    assert accepted.headers["Location"] == f"http://{BUCKET}.cos.{REGION}.myqcloud.com/uploads/selfies/me.jpg"
    assert cos.get_object(Bucket=BUCKET, Key="uploads/selfies/me.jpg")["Body"].get_raw_stream().read() == BODY
    # The doc: conditions see the final key, so a policy must not contain ${filename}.
    assert error_of(refused) == (403, "AccessDenied")


def test_form_upload_delivers_object_created_post_to_matching_rules(emulator: Emulator) -> None:
    fields = {**upload_form(emulator), "x-cos-meta-purpose": "compare"}
    response = post(emulator, fields)
    outside_prefix = "results/bestframe.jpg"
    assert post(emulator, upload_form(emulator, outside_prefix)).status_code == 204

    deliveries = emulator.control("POST", "drain")

    assert [(d["eventName"], d["key"], d["status"]) for d in deliveries] == [
        ("cos:ObjectCreated:Post", KEY, 200)
    ]
    (event,) = events_to(emulator, "hash_on_upload")
    (record,) = event["Records"]
    short_name = BUCKET.removesuffix(f"-{accounts.APPID}")
    assert record["event"]["eventName"] == "cos:ObjectCreated:Post"
    assert (record["event"]["eventSource"], record["event"]["eventVersion"]) == ("qcs::cos", "1.0")
    assert record["event"]["requestParameters"] == {
        "requestSourceIP": "127.0.0.1",
        "requestHeaders": {"Authorization": ""},  # a form upload has no Authorization header
    }
    assert record["cos"]["cosBucket"] == {"region": "sg", "name": short_name, "appid": accounts.APPID}
    assert record["cos"]["cosObject"]["key"] == (
        f"/{accounts.APPID}/{short_name}/uploads/compare-image/photo%201%2B%E5%8E%9F.jpg"
    )
    assert record["cos"]["cosObject"]["size"] == len(BODY)
    assert record["cos"]["cosObject"]["meta"] == {
        "x-cos-request-id": response.headers["x-cos-request-id"],
        "Content-Type": "image/jpeg",
        "x-cos-meta-purpose": "compare",
    }


def test_success_action_status_201_returns_the_post_response_document(emulator: Emulator) -> None:
    fields = {
        "success_action_status": "201",
        **upload_form(emulator, conditions=[{"success_action_status": "201"}]),
    }

    response = post(emulator, fields)

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/xml"
    document = ET.fromstring(response.content)  # noqa: S314 - our own emulator's answer
    assert document.tag == "PostResponse"
    assert {child.tag: child.text for child in document} == {
        "Location": response.headers["Location"],
        "Bucket": BUCKET,
        "Key": KEY,
        "ETag": md5_hex(BODY),  # unquoted, as in the doc's PostResponse sample
    }


@pytest.mark.parametrize(("asked", "status"), [("200", 200), ("204", 204), ("302", 204)])
def test_success_action_status_picks_200_or_204_with_an_empty_body(
    emulator: Emulator, asked: str, status: int
) -> None:
    response = post(emulator, {**upload_form(emulator), "success_action_status": asked})

    assert (response.status_code, response.content) == (status, b"")
    assert response.headers["ETag"] == f'"{md5_hex(BODY)}"'


def test_success_action_redirect_answers_303_with_bucket_key_and_etag(emulator: Emulator) -> None:
    redirect = "https://app.example/uploaded?flow=reflect"
    conditions = [["starts-with", "$success_action_redirect", "https://app.example/"]]
    fields = {**upload_form(emulator, conditions=conditions), "success_action_redirect": redirect}

    response = post(emulator, {**fields, "success_action_status": "201"})

    assert (response.status_code, response.content) == (303, b"")
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://app.example/uploaded"
    assert parse_qs(location.query) == {
        "flow": ["reflect"],
        "bucket": [BUCKET],
        "key": [KEY],
        "etag": [f'"{md5_hex(BODY)}"'],
    }


def test_fields_no_condition_names_are_accepted_and_fields_after_the_file_ignored(
    emulator: Emulator, cos: CosS3Client
) -> None:
    # COS checks that the form meets every condition, not that every field has one (see post_policy):
    # a relay must pin each field it cares about.
    fields = {**upload_form(emulator), "x-cos-meta-unpinned": "kept", "acl": "public-read"}

    response = post(emulator, fields, after_file=[("x-cos-meta-late", (None, "dropped"))])

    assert response.status_code == 204
    stored = cos.head_object(Bucket=BUCKET, Key=KEY)
    assert stored["x-cos-meta-unpinned"] == "kept"
    assert "x-cos-meta-late" not in stored


def test_temporary_key_form_needs_its_session_token(emulator: Emulator) -> None:
    fields = upload_form(emulator, signer=accounts.TEMPORARY)
    without_token = {name: value for name, value in fields.items() if name != "x-cos-security-token"}

    tokenless = post(emulator, without_token)
    stolen = post(emulator, {**fields, "x-cos-security-token": "stolen-token"})
    with_token = post(emulator, fields)

    assert error_of(tokenless) == (403, "InvalidAccessKeyId")
    assert error_of(stolen) == (403, "InvalidToken")
    assert with_token.status_code == 204


def test_forbid_overwrite_field_makes_the_key_create_once(emulator: Emulator, cos: CosS3Client) -> None:
    conditions = [{"x-cos-forbid-overwrite": "true"}]
    fields = {**upload_form(emulator, conditions=conditions), "x-cos-forbid-overwrite": "true"}

    first = post(emulator, fields)
    replay = post(emulator, fields, b"replaced")

    assert first.status_code == 204
    assert error_of(replay) == (409, "FileAlreadyExists")
    assert cos.get_object(Bucket=BUCKET, Key=KEY)["Body"].get_raw_stream().read() == BODY


def test_content_md5_field_must_match_the_file(emulator: Emulator, cos: CosS3Client) -> None:
    fields = upload_form(emulator)

    wrong = post(emulator, {**fields, "Content-MD5": md5_b64(b"other bytes")})
    assert error_of(wrong) == (400, "BadDigest")
    assert sdk_status(lambda: cos.head_object(Bucket=BUCKET, Key=KEY)) == 404
    assert list((emulator.data_dir / BUCKET / "tmp").iterdir()) == []  # the refused bytes are gone

    assert post(emulator, {**fields, "Content-MD5": md5_b64(BODY)}).status_code == 204


def test_cross_origin_form_posts_carry_the_bucket_cors_headers(
    start_emulator: Callable[..., Emulator], recorder: Recorder
) -> None:
    allow_post = CorsRule(allowed_origins=[APP_ORIGIN], allowed_methods=["POST"], allowed_headers=[])
    emulator = start_emulator(buckets=[replace(bucket_configs(recorder.url)[0], cors=[allow_post])])
    origin = {"Origin": APP_ORIGIN}

    accepted = post(emulator, upload_form(emulator), headers=origin)
    refused = post(emulator, {**upload_form(emulator), "Content-Type": "text/html"}, headers=origin)
    foreign = post(emulator, upload_form(emulator), headers={"Origin": "https://evil.example"})

    assert accepted.status_code == 204
    assert accepted.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert accepted.headers["Access-Control-Expose-Headers"] == "ETag"
    assert (refused.status_code, refused.headers["Access-Control-Allow-Origin"]) == (403, APP_ORIGIN)
    assert "Access-Control-Allow-Origin" not in foreign.headers


# ---- refused uploads ------------------------------------------------------------------------------------


def tampered_policy(fields: dict[str, str]) -> dict[str, str]:
    """The signed policy with its key prefix widened after signing."""
    policy = base64.b64decode(fields["policy"]).decode().replace('"uploads/', '"')
    return {**fields, "policy": base64.b64encode(policy.encode()).decode()}


PREFIX_ONLY = [["starts-with", "$key", "uploads/"]]


def longer_key_time(emulator: Emulator) -> dict[str, str]:
    fields = signed_fields(emulator, PREFIX_ONLY)
    return fields | {"q-key-time": fields["q-key-time"].split(";")[0] + ";9999999999"}


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        pytest.param(
            lambda emulator: signed_fields(
                emulator,
                PREFIX_ONLY,
                key=accounts.KeyPair(accounts.PERMANENT.secret_id, "not-the-secret-key"),
            ),
            "SignatureDoesNotMatch",
            id="wrong secret key",
        ),
        pytest.param(
            lambda emulator: tampered_policy(signed_fields(emulator, PREFIX_ONLY)),
            "SignatureDoesNotMatch",
            id="policy changed after signing",
        ),
        pytest.param(longer_key_time, "SignatureDoesNotMatch", id="longer key time"),
        pytest.param(
            lambda emulator: signed_fields(
                emulator, PREFIX_ONLY, key=accounts.KeyPair("AKIDsomeoneelse", "x")
            ),
            "InvalidAccessKeyId",
            id="unknown secret id",
        ),
    ],
)
def test_forged_signatures_are_refused(
    emulator: Emulator, cos: CosS3Client, forge: Callable[[Emulator], dict[str, str]], code: str
) -> None:
    response = post(emulator, {"key": KEY, **forge(emulator)})

    assert error_of(response) == (403, code)
    assert sdk_status(lambda: cos.head_object(Bucket=BUCKET, Key=KEY)) == 404


@pytest.mark.parametrize(
    ("key_seconds", "policy_seconds", "message"),
    [
        pytest.param(900, 60, "You post object request has been expired, expiration time: ", id="policy"),
        pytest.param(60, 900, "Request has expired", id="key time"),
    ],
)
def test_expired_forms_are_access_denied(
    emulator: Emulator, key_seconds: int, policy_seconds: int, message: str
) -> None:
    fields = {
        "key": KEY,
        **signed_fields(emulator, [{"key": KEY}], key_seconds=key_seconds, policy_seconds=policy_seconds),
    }
    assert post(emulator, fields).status_code == 204

    emulator.control("POST", "clock", {"advance": 120})
    response = post(emulator, fields)

    assert error_of(response) == (403, "AccessDenied")
    assert message_of(response).startswith(message)


@pytest.mark.parametrize(
    ("conditions", "change", "detail"),
    [
        pytest.param([], {"key": "results/photo.jpg"}, "Condition key key ", id="key outside starts-with"),
        pytest.param([], {"Content-Type": "text/html"}, "Condition key content-type ", id="content type"),
        pytest.param(
            [["eq", "$x-cos-meta-source", "relay"]],
            {"x-cos-meta-source": "attacker"},
            "Condition key x-cos-meta-source ",
            id="pinned field changed",
        ),
        pytest.param(
            [{"success_action_status": "201"}],
            {},
            "Condition key success_action_status ",
            id="pinned field left out",
        ),
    ],
)
def test_fields_that_break_a_condition_are_access_denied(
    emulator: Emulator, conditions: list[Any], change: dict[str, str], detail: str
) -> None:
    base = [["starts-with", "$key", "uploads/"], ["starts-with", "$Content-Type", "image/"]]
    fields = {
        "key": KEY,
        "Content-Type": "image/jpeg",
        "x-cos-meta-source": "relay",
        **signed_fields(emulator, [*base, *conditions]),
    }

    response = post(emulator, fields | change)

    assert error_of(response) == (403, "AccessDenied")
    assert message_of(response).startswith(detail)


def test_policy_for_another_bucket_is_access_denied(emulator: Emulator) -> None:
    fields = {"key": KEY, **signed_fields(emulator, [{"bucket": OTHER_BUCKET}])}

    response = post(emulator, fields)

    assert error_of(response) == (403, "AccessDenied")
    assert message_of(response) == f"Condition key bucket doesn't match the value {OTHER_BUCKET}"


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"tiny", "EntityTooSmall"), (b"x" * 101, "EntityTooLarge")],
    ids=["below the range", "above the range"],
)
def test_file_size_outside_content_length_range_is_refused(
    emulator: Emulator, body: bytes, code: str
) -> None:
    fields = upload_form(emulator, conditions=[["content-length-range", 10, 100]])

    assert error_of(post(emulator, fields, body)) == (400, code)
    assert post(emulator, fields, b"x" * 100).status_code == 204


def test_policies_without_the_required_conditions_are_invalid(emulator: Emulator) -> None:
    now = int(emulator.clock.now())
    key_time = f"{now};{now + LIFETIME_SECONDS}"
    expiration = iso(now + LIFETIME_SECONDS)
    no_conditions = sign({"expiration": expiration}, key_time)
    no_q_ak = sign(
        {"expiration": expiration, "conditions": [{"q-sign-algorithm": "sha1"}, {"q-sign-time": key_time}]},
        key_time,
    )

    without = post(emulator, {"key": KEY, **no_conditions})
    missing = post(emulator, {"key": KEY, **no_q_ak})

    assert error_of(without) == (400, "InvalidPolicyDocument")
    assert message_of(without) == "You must provide condition if you specify a policy in post object request."
    assert error_of(missing) == (400, "InvalidPolicyDocument")
    assert "q-ak" in message_of(missing)


def test_malformed_forms_are_refused(emulator: Emulator) -> None:
    fields = upload_form(emulator)
    url = f"{emulator.url}/{BUCKET}/"

    unsigned = post(emulator, {"key": KEY, "Content-Type": "image/jpeg"})
    no_file = requests.post(url, files={name: (None, value) for name, value in fields.items()}, timeout=10)
    misnamed = requests.post(url, data=fields, files={"photo": ("photo.jpg", BODY)}, timeout=10)
    url_encoded = requests.post(url, data=fields, timeout=10)
    broken = requests.post(
        url,
        data=b"--x\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        timeout=10,
    )

    assert error_of(unsigned) == (403, "AccessDenied")
    assert error_of(no_file) == (400, "IncorrectNumberOfFilesInPostRequest")
    assert error_of(misnamed) == (400, "IncorrectNumberOfFilesInPostRequest")
    assert error_of(url_encoded) == (400, "MalformedPOSTRequest")
    assert error_of(broken) == (400, "MalformedPOSTRequest")
