"""q-sign verification: what a real bucket refuses (bad keys, tampering, expiry, tokens) is refused here."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from qcloud_cos import CosS3Client, CosServiceError

from localcloud import accounts
from tests.contract.cos.harness import BUCKET, OTHER_REGION, Emulator, md5_b64, md5_hex

KEY = "uploads/compare-image/photo 1+原.jpg"
BODY = b"\xff\xd8\xff jpeg bytes"
BODY_MD5 = md5_b64(BODY)


def error_code(response: requests.Response) -> str:
    match = re.search(r"<Code>([^<]*)</Code>", response.text)
    return match.group(1) if match else ""


def sdk_error(call: Callable[[], object]) -> tuple[int, str]:
    with pytest.raises(CosServiceError) as raised:
        call()
    return raised.value.get_status_code(), raised.value.get_error_code()


@pytest.mark.parametrize("key", [accounts.PERMANENT, accounts.TEMPORARY], ids=["permanent", "temporary"])
def test_correctly_signed_sdk_calls_succeed(emulator: Emulator, key: accounts.KeyPair) -> None:
    cos = emulator.client(key)

    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, EnableMD5=True, ContentType="image/jpeg")

    assert cos.get_object(Bucket=BUCKET, Key=KEY)["Body"].get_raw_stream().read() == BODY


@pytest.mark.parametrize(
    "domain",
    [
        {"EnableOldDomain": True},
        {"EnableOldDomain": False, "EnableInternalDomain": False},
        {"EnableOldDomain": False},
    ],
    ids=["myqcloud.com", "tencentcos.cn", "cos-internal.tencentcos.cn"],
)
def test_every_sdk_domain_form_reaches_the_bucket(emulator: Emulator, domain: dict[str, Any]) -> None:
    cos = emulator.client(**domain)

    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)

    assert cos.get_object(Bucket=BUCKET, Key=KEY)["Body"].get_raw_stream().read() == BODY


def test_wrong_secret_key_is_signature_does_not_match(emulator: Emulator) -> None:
    forged = accounts.KeyPair(accounts.PERMANENT.secret_id, "not-the-secret-key")

    # HEAD answers carry no body, so the SDK can only report the status.
    assert sdk_error(lambda: emulator.client(forged).head_object(Bucket=BUCKET, Key=KEY)) == (403, "Unknown")
    assert sdk_error(lambda: emulator.client(forged).get_object(Bucket=BUCKET, Key=KEY)) == (
        403,
        "SignatureDoesNotMatch",
    )


def test_unknown_secret_id_is_invalid_access_key_id(emulator: Emulator) -> None:
    stranger = accounts.KeyPair("AKIDsomeoneelse", accounts.PERMANENT.secret_key)

    with pytest.raises(CosServiceError) as raised:
        emulator.client(stranger).get_object(Bucket=BUCKET, Key=KEY)

    error = raised.value
    assert (error.get_status_code(), error.get_error_code()) == (403, "InvalidAccessKeyId")
    assert error.get_error_msg() == "The Access Key Id you provided does not exist in our records"


def test_temporary_key_needs_its_own_session_token(emulator: Emulator) -> None:
    without_token = accounts.KeyPair(accounts.TEMPORARY.secret_id, accounts.TEMPORARY.secret_key)
    wrong_token = accounts.KeyPair(
        accounts.TEMPORARY.secret_id, accounts.TEMPORARY.secret_key, "stolen-token"
    )

    assert sdk_error(lambda: emulator.client(without_token).get_object(Bucket=BUCKET, Key=KEY)) == (
        403,
        "InvalidAccessKeyId",
    )
    assert sdk_error(lambda: emulator.client(wrong_token).get_object(Bucket=BUCKET, Key=KEY)) == (
        403,
        "InvalidToken",
    )


def test_anonymous_requests_are_denied_because_buckets_are_private(
    emulator: Emulator, cos: CosS3Client
) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
    anonymous = emulator.client(accounts.KeyPair("", ""), Anonymous=True)

    plain = requests.get(f"{emulator.url}/{BUCKET}/uploads/compare-image/x.jpg", timeout=10)

    assert (plain.status_code, error_code(plain)) == (403, "AccessDenied")
    assert plain.headers["Content-Type"] == "application/xml"
    assert sdk_error(lambda: anonymous.get_object(Bucket=BUCKET, Key=KEY)) == (403, "AccessDenied")


def test_bucket_addressed_in_another_region_is_no_such_bucket(emulator: Emulator) -> None:
    wrong_region = emulator.client(region=OTHER_REGION)

    assert sdk_error(lambda: wrong_region.get_object(Bucket=BUCKET, Key=KEY)) == (404, "NoSuchBucket")
    assert sdk_error(lambda: emulator.client().get_object(Bucket="nobody-1250000000", Key=KEY)) == (
        404,
        "NoSuchBucket",
    )


def test_sdk_presigned_get_works_with_plain_requests(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ContentType="image/jpeg")
    url = emulator.path_style_client().get_presigned_download_url(Bucket=BUCKET, Key=KEY, Expired=300)

    response = requests.get(url, timeout=10)

    assert (response.status_code, response.content) == (200, BODY)
    assert response.headers["ETag"] == f'"{md5_hex(BODY)}"'


def test_signed_url_parameters_cannot_be_changed(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ContentType="image/jpeg")
    url = emulator.path_style_client().get_presigned_download_url(
        Bucket=BUCKET, Key=KEY, Params={"response-content-type": "application/octet-stream"}
    )

    signed = requests.get(url, timeout=10)
    changed = requests.get(url.replace("application%2Foctet-stream", "text%2Fhtml"), timeout=10)

    assert (signed.status_code, signed.headers["Content-Type"]) == (200, "application/octet-stream")
    assert (changed.status_code, error_code(changed)) == (403, "SignatureDoesNotMatch")


def test_an_unsigned_response_override_appended_to_a_presigned_url_is_honoured(
    emulator: Emulator, cos: CosS3Client
) -> None:
    """As COS documents it: appending response-content-disposition=attachment to a signed URL works
    (tencentcloud.com/document/product/436/40944), so anyone holding a URL can change these headers."""
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ContentType="image/jpeg")
    url = emulator.path_style_client().get_presigned_download_url(Bucket=BUCKET, Key=KEY)

    answer = requests.get(
        f"{url}&response-content-type=text%2Fhtml&response-content-disposition=inline", timeout=10
    )

    assert answer.status_code == 200
    assert (answer.headers["Content-Type"], answer.headers["Content-Disposition"]) == ("text/html", "inline")


def test_a_signed_response_override_wins_over_the_same_parameter_appended(
    emulator: Emulator, cos: CosS3Client
) -> None:
    """A repeated parameter is read at its first place for the signature and for the override alike
    (COS does not document repeats; the relay relies only on this: the signed value is the one served)."""
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ContentType="image/jpeg")
    signed = {"response-content-type": "image/jpeg", "response-content-disposition": "attachment"}
    url = emulator.path_style_client().get_presigned_download_url(Bucket=BUCKET, Key=KEY, Params=signed)
    parts = urlsplit(url)
    hostile = "response-content-type=text%2Fhtml&response-content-disposition=inline"

    appended = requests.get(f"{url}&{hostile}", timeout=10)
    prepended = requests.get(parts._replace(query=f"{hostile}&{parts.query}").geturl(), timeout=10)

    assert appended.status_code == 200
    assert (appended.headers["Content-Type"], appended.headers["Content-Disposition"]) == (
        "image/jpeg",
        "attachment",
    )
    assert (prepended.status_code, error_code(prepended)) == (403, "SignatureDoesNotMatch")


def flip_signature_digit(url: str) -> str:
    return re.sub(r"q-signature=(\w)", lambda m: "q-signature=" + ("1" if m[1] == "0" else "0"), url)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda url: url.replace("photo%201", "photo%202"), id="other key"),
        pytest.param(flip_signature_digit, id="signature"),
        pytest.param(
            lambda url: re.sub(r"(q-sign-time=\d+%3B)(\d+)", r"\g<1>9999999999", url), id="longer life"
        ),
    ],
)
def test_tampered_presigned_url_is_refused(
    emulator: Emulator, cos: CosS3Client, tamper: Callable[[str], str]
) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
    cos.put_object(Bucket=BUCKET, Key=KEY.replace("photo 1", "photo 2"), Body=b"secret")
    url = emulator.path_style_client().get_presigned_download_url(Bucket=BUCKET, Key=KEY, Expired=300)

    response = requests.get(tamper(url), timeout=10)

    assert (response.status_code, error_code(response)) == (403, "SignatureDoesNotMatch")


def test_presigned_url_expires_when_the_clock_passes_its_end(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
    url = emulator.path_style_client().get_presigned_download_url(Bucket=BUCKET, Key=KEY, Expired=60)
    assert requests.get(url, timeout=10).status_code == 200

    emulator.control("POST", "clock", {"advance": 120})
    response = requests.get(url, timeout=10)

    assert (response.status_code, error_code(response)) == (403, "AccessDenied")
    assert "Request has expired" in response.text


def test_signature_starting_in_the_future_is_request_time_too_skewed(
    emulator: Emulator, cos: CosS3Client
) -> None:
    emulator.control("POST", "clock", {"advance": -3600})

    assert sdk_error(lambda: cos.get_object(Bucket=BUCKET, Key=KEY)) == (403, "RequestTimeTooSkewed")


def presigned_put(
    emulator: Emulator,
    headers: dict[str, str],
    key: accounts.KeyPair = accounts.PERMANENT,
    *,
    with_token: bool = True,
) -> str:
    """As a relay would presign: the SDK leaves a temporary key's token out, so it goes in as a parameter."""
    client = emulator.path_style_client(key)
    params = {"x-cos-security-token": key.token} if key.token and with_token else {}
    url: str = client.get_presigned_url(
        Bucket=BUCKET, Key=KEY, Method="PUT", Expired=300, Headers=headers, Params=params
    )
    return url


def test_presigned_put_pinned_to_content_md5_refuses_other_bytes_and_other_md5(emulator: Emulator) -> None:
    pinned = {"Content-MD5": BODY_MD5, "Content-Type": "image/jpeg"}
    url = presigned_put(emulator, pinned)

    other_bytes = requests.put(url, data=b"something else", headers=pinned, timeout=10)
    other_md5 = {**pinned, "Content-MD5": md5_b64(b"x")}
    other_header = requests.put(url, data=b"x", headers=other_md5, timeout=10)
    no_md5 = requests.put(url, data=BODY, headers={"Content-Type": "image/jpeg"}, timeout=10)
    honest = requests.put(url, data=BODY, headers=pinned, timeout=10)

    assert (other_bytes.status_code, error_code(other_bytes)) == (400, "BadDigest")
    assert (other_header.status_code, error_code(other_header)) == (403, "SignatureDoesNotMatch")
    assert (no_md5.status_code, error_code(no_md5)) == (403, "SignatureDoesNotMatch")
    assert honest.status_code == 200
    assert honest.headers["ETag"] == f'"{md5_hex(BODY)}"'


def test_presigned_put_pinned_to_content_length_refuses_other_sizes(emulator: Emulator) -> None:
    url = presigned_put(emulator, {"Content-Length": str(len(BODY))})

    longer = requests.put(url, data=BODY + b"!", timeout=10)
    exact = requests.put(url, data=BODY, timeout=10)

    assert (longer.status_code, error_code(longer)) == (403, "SignatureDoesNotMatch")
    assert exact.status_code == 200


def test_presigned_put_with_forbid_overwrite_cannot_be_replayed_or_stripped(emulator: Emulator) -> None:
    pinned = {"x-cos-forbid-overwrite": "true"}
    url = presigned_put(emulator, pinned)

    first = requests.put(url, data=BODY, headers=pinned, timeout=10)
    replay = requests.put(url, data=b"replaced", headers=pinned, timeout=10)
    stripped = requests.put(url, data=b"replaced", timeout=10)

    assert first.status_code == 200
    assert (replay.status_code, error_code(replay)) == (409, "FileAlreadyExists")
    assert (stripped.status_code, error_code(stripped)) == (403, "SignatureDoesNotMatch")


def test_presigned_url_of_a_temporary_key_needs_the_token_parameter(emulator: Emulator) -> None:
    url = presigned_put(emulator, {}, key=accounts.TEMPORARY)
    tokenless = presigned_put(emulator, {}, key=accounts.TEMPORARY, with_token=False)

    stripped = requests.put(url.split("&x-cos-security-token=")[0], data=BODY, timeout=10)
    never_added = requests.put(tokenless, data=BODY, timeout=10)
    with_token = requests.put(url, data=BODY, timeout=10)

    assert parse_qs(urlsplit(url).query)["x-cos-security-token"] == [accounts.TEMPORARY.token]
    assert (stripped.status_code, error_code(stripped)) == (
        403,
        "SignatureDoesNotMatch",
    )  # the token is signed
    assert (never_added.status_code, error_code(never_added)) == (403, "InvalidAccessKeyId")
    assert with_token.status_code == 200
