"""The two MD5 encodings: FaceID's *Md5 fields take 32 hex characters, COS's Content-MD5 header takes the
base64 of the 16 bytes (reference §0.6). Mixing them up is common, so the error says which is which."""

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from faceid_relay.errors import InvalidRequest
from faceid_relay.models.rules import Md5Hex, content_md5_header, md5_hex

EMPTY_HEX = "d41d8cd98f00b204e9800998ecf8427e"
EMPTY_BASE64 = "1B2M2Y8AsgTpgAmY7PhCfg=="
md5_field = TypeAdapter(Md5Hex)


def test_hex_is_normalised_to_lower_case() -> None:
    assert md5_hex(EMPTY_HEX.upper()) == EMPTY_HEX
    assert md5_field.validate_python(EMPTY_HEX.upper()) == EMPTY_HEX


@pytest.mark.parametrize("content_md5", [EMPTY_BASE64, EMPTY_BASE64.rstrip("=")])
def test_base64_where_hex_is_expected_is_named_as_the_mistake(content_md5: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        md5_hex(content_md5, field="imageMd5")
    assert "base64" in refused.value.detail
    assert "32 hex" in refused.value.detail
    assert refused.value.field == "imageMd5"


@pytest.mark.parametrize(
    "value",
    [
        "",
        EMPTY_HEX[:-1],
        EMPTY_HEX + "0",
        f" {EMPTY_HEX}",
        f"{EMPTY_HEX}\n",
        "g" * 32,
        "\uff10" * 32,  # full-width zeros
        "a" * 40,  # a SHA-1 in hex
    ],
)
def test_anything_else_is_refused_with_an_example_of_the_right_form(value: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        md5_hex(value)
    assert EMPTY_HEX in refused.value.detail
    assert "base64" not in refused.value.detail


def test_in_a_model_the_problem_is_located_at_the_field_with_the_catalogue_code() -> None:
    with pytest.raises(ValidationError) as refused:
        md5_field.validate_python(EMPTY_BASE64)
    [problem] = refused.value.errors()
    assert problem["type"] == "InvalidRequest"
    assert "base64" in problem["msg"]


def test_the_json_schema_documents_the_hex_form() -> None:
    assert md5_field.json_schema()["pattern"] == "^[0-9a-fA-F]{32}$"


@given(st.binary(max_size=256))
def test_the_header_form_is_the_base64_of_the_digest_hashlib_gives(data: bytes) -> None:
    digest = hashlib.md5(data, usedforsecurity=False)
    header = content_md5_header(digest.hexdigest())
    assert header == base64.b64encode(digest.digest()).decode()


def test_content_md5_header_refuses_base64_input() -> None:
    with pytest.raises(InvalidRequest, match="base64"):
        content_md5_header(EMPTY_BASE64)
