"""Object keys are chosen by the server; a key a client hands back passes only in exactly that form. Also the
per-purpose limits, what hash-on-upload calls each upload, and the BizToken form."""

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from faceid_relay.errors import InvalidKey, InvalidToken
from faceid_relay.models.rules import (
    PURPOSE_CONTENT_KINDS,
    PURPOSE_LIMITS,
    UPLOADS_PREFIX,
    BizToken,
    Purpose,
    new_upload_key,
    sniff_content_kind,
    validate_biz_token,
    validate_client_key,
)

HEX = "0123456789abcdef" * 2
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


@pytest.mark.parametrize("purpose", list(Purpose))
def test_new_keys_are_unguessable_and_accepted_back_for_their_purpose(purpose: Purpose) -> None:
    keys = {new_upload_key(purpose) for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert re.fullmatch(rf"uploads/{purpose.value}/[0-9a-f]{{32}}", key)
        assert validate_client_key(key, purpose) == key


@pytest.mark.parametrize(
    "key",
    [
        "uploads/../upload-records/compare-image/x",
        "uploads/compare-image/../../verifications/x",
        f"uploads/compare-image/{HEX}/../../x",
        "uploads/compare-image/%2e%2e/x",
        f"uploads/compare-image/{HEX[:-2]}%2e",
        f"uploads%2Fcompare-image%2F{HEX}",
        f"/uploads/compare-image/{HEX}",
        f"uploads\\compare-image\\{HEX}",
        f"uploads/compare-image\\{HEX}",
        f"upload-records/compare-image/{HEX}",
        f"results/{HEX}",
        f"uploads/other/{HEX}",
        f"uploads/compare-image/{HEX.upper()}",
        f"uploads/compare-image/{HEX}.jpg",
        f"uploads/compare-image/{HEX}/",
        f"uploads/compare-image/{HEX}\n",
        f" uploads/compare-image/{HEX}",
        f"uploads/compare-image/{HEX[:-1]}",
        f"uploads/compare-image/{HEX}0",
        f"uploads/compare-image/{HEX[:-1]}٣",  # Arabic-Indic digit three: a digit, but not ours
        f"uploads/compare-image/{HEX[:-1]}\uff41",  # full-width a
        f"uploads/compare\u2010image/{HEX}",  # Unicode hyphen
        f"UPLOADS/compare-image/{HEX}",
        "uploads/compare-image/",
        "",
    ],
)
def test_a_key_not_in_the_server_form_is_refused(key: str) -> None:
    with pytest.raises(InvalidKey) as refused:
        validate_client_key(key, field="imageKey")
    assert refused.value.field == "imageKey"
    assert "POST /uploads" in refused.value.detail


def test_a_key_of_another_purpose_says_which_purpose_it_holds() -> None:
    with pytest.raises(InvalidKey) as refused:
        validate_client_key(
            new_upload_key(Purpose.DEVICE_DATA), Purpose.COMPARE_IMAGE, field="compareImageKey"
        )
    assert "device-data upload" in refused.value.detail
    assert "compare-image" in refused.value.detail


_NEAR_KEYS = st.from_regex(r"uploads/(compare-image|device-data|live-data|other)/[0-9a-fA-F٣./]{30,34}")


@given(
    _NEAR_KEYS
    | st.text(alphabet="uploads/compare-imagdvitf0123456789.%\\ABC", max_size=60)
    | st.text(max_size=60)
)
def test_exactly_the_server_form_passes(key: str) -> None:
    segments = key.split("/")
    server_form = (
        len(segments) == 3
        and segments[0] == "uploads"
        and segments[1] in {p.value for p in Purpose}
        and len(segments[2]) == 32
        and set(segments[2]) <= set("0123456789abcdef")
    )
    try:
        validate_client_key(key)
    except InvalidKey:
        assert not server_form
    else:
        assert server_form


def test_the_upload_prefix_is_the_one_the_keys_use() -> None:
    assert all(new_upload_key(p).startswith(UPLOADS_PREFIX) for p in Purpose)


def test_a_compare_image_fits_in_faceid_8_mb_base64_field() -> None:
    # ApplyWebVerificationBizTokenIntl CompareImageBase64 ≤ 8 MB (reference §1.2), whichever MB is meant.
    largest = PURPOSE_LIMITS[Purpose.COMPARE_IMAGE].max_bytes
    assert len(base64.b64encode(b"\0" * largest)) <= 8_000_000
    assert PURPOSE_LIMITS[Purpose.COMPARE_IMAGE].content_types == {"image/jpeg", "image/png"}
    assert PURPOSE_LIMITS[Purpose.LIVE_DATA].content_types == {"application/octet-stream"}


@pytest.mark.parametrize(
    ("head", "size", "kind"),
    [
        (b"", 0, "empty"),
        (JPEG_HEAD, 5000, "jpeg"),
        (PNG_HEAD, 5000, "png"),
        (MP4_HEAD, 5000, "mp4"),
        # The seed FAQ mistake: the image or data package uploaded as base64 text.
        (base64.b64encode(JPEG_HEAD + bytes(range(40))), 5000, "base64-text"),
        (base64.b64encode(bytes(range(200)))[:64], 5000, "base64-text"),
        (b"data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ", 5000, "base64-text"),
        (b"iVBORw0KGgoAAAANSUhEUgAA\r\nAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk", 5000, "base64-text"),
        (b'{"Response": {"Error": {"Code": "x"}}}', 40, "unknown"),
        (b"<html><body>Access Denied</body></html>", 40, "unknown"),
        (bytes(range(256))[:64], 5000, "binary"),
        (b"\x00\x01\x02SDKDATA\xfe\xff", 12, "binary"),
    ],
)
def test_uploads_are_named_by_their_first_bytes(head: bytes, size: int, kind: str) -> None:
    assert sniff_content_kind(head, size) == kind


def test_base64_text_and_empty_uploads_are_refused_for_every_purpose() -> None:
    for purpose in Purpose:
        assert "base64-text" not in PURPOSE_CONTENT_KINDS[purpose]
        assert "empty" not in PURPOSE_CONTENT_KINDS[purpose]
    assert PURPOSE_CONTENT_KINDS[Purpose.COMPARE_IMAGE] == {"jpeg", "png"}
    # A photo put in the SDK-data slot is a mix-up too.
    assert "jpeg" not in PURPOSE_CONTENT_KINDS[Purpose.LIVE_DATA]
    assert "binary" in PURPOSE_CONTENT_KINDS[Purpose.DEVICE_DATA]


@pytest.mark.parametrize(
    "token",
    [
        "81EEF678-28EE-4759-A82E-6CBBBE6BC442",
        "81eef678-28ee-4759-a82e-6cbbbe6bc442",
        "0AEEA2AE-7166-4EA4-BD82-3494ECF216BD",
    ],
)
def test_biz_tokens_as_faceid_issues_them_pass_unchanged(token: str) -> None:
    assert validate_biz_token(token) == token
    assert TypeAdapter(BizToken).validate_python(token) == token


@pytest.mark.parametrize(
    "token",
    [
        "81EEF678-28ee-4759-A82E-6CBBBE6BC442",
        "{81EEF678-28EE-4759-A82E-6CBBBE6BC442}",
        "81EEF67828EE4759A82E6CBBBE6BC442",
        "81EEF678-28EE-4759-A82E-6CBBBE6BC442 ",
        "81EEF678-28EE-4759-A82E-6CBBBE6BC442\n",
        "81EEF678-28EE-4759-A82E-6CBBBE6BC44",
        "../81EEF678-28EE-4759-A82E-6CBBBE6BC442",
        "81EEF678-28EE-4759-A82E-6CBBBE6BC442/../x",
        "81EEF678%2D28EE-4759-A82E-6CBBBE6BC442",
        "8\uff11EEF678-28EE-4759-A82E-6CBBBE6BC442",  # full-width 1
        "",
    ],
)
def test_anything_else_is_an_invalid_token(token: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        validate_biz_token(token, field="token")
    assert refused.value.body()["field"] == "token"
    with pytest.raises(ValidationError):
        TypeAdapter(BizToken).validate_python(token)
