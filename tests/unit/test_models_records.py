"""The state kept on COS: where each record lives (never under the trigger's uploads/ prefix, never a path a
client can steer) and the JSON each record is written as and read back from."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from faceid_relay.errors import InvalidKey, InvalidToken
from faceid_relay.models.records import (
    IDEMPOTENCY_PREFIX,
    RESULT_CHECKS_PREFIX,
    RESULTS_PREFIX,
    UPLOAD_EXPECTATIONS_PREFIX,
    UPLOAD_RECORDS_PREFIX,
    VERIFICATIONS_PREFIX,
    FinalRecord,
    IdempotencyRecord,
    SessionRecord,
    UploadExpectation,
    UploadRecord,
    final_key,
    idempotency_key,
    result_check_key,
    result_media_key,
    session_key,
    upload_expectation_key,
    upload_record_key,
)
from faceid_relay.models.responses import Attempt, StoredMedia
from faceid_relay.models.rules import UPLOADS_PREFIX, Purpose, new_upload_key
from tests.fakes import BIZ_TOKEN, EMPTY_MD5, NOW

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

_TOKENS = st.uuids().map(str).flatmap(lambda u: st.sampled_from([u, u.upper()]))
_ETAGS = st.from_regex(r'"?[0-9a-f]{32}(-[0-9]{1,4})?"?', fullmatch=True)
_NAMES = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,4})?", fullmatch=True)


@given(
    purpose=st.sampled_from(list(Purpose)),
    etag=_ETAGS,
    token=_TOKENS,
    key_hash=st.binary(min_size=32, max_size=32).map(bytes.hex),
    name=_NAMES,
)
def test_nothing_a_function_writes_is_under_the_trigger_prefix(
    purpose: Purpose, etag: str, token: str, key_hash: str, name: str
) -> None:
    written = [
        upload_record_key(new_upload_key(purpose), etag),
        upload_expectation_key(new_upload_key(purpose)),
        session_key(token),
        final_key(token),
        idempotency_key(key_hash),
        result_check_key(token, 889_000_000),
        result_media_key(token, name),
        result_media_key(f"sequence-{key_hash[:32]}", name),
    ]
    for key in written:
        assert not key.startswith(UPLOADS_PREFIX)
        assert key.startswith(
            (
                UPLOAD_EXPECTATIONS_PREFIX,
                UPLOAD_RECORDS_PREFIX,
                VERIFICATIONS_PREFIX,
                IDEMPOTENCY_PREFIX,
                RESULTS_PREFIX,
                RESULT_CHECKS_PREFIX,
            )
        )
        assert ".." not in key.split("/")


def test_the_key_layout() -> None:
    upload = "uploads/compare-image/" + "a" * 32
    assert (
        upload_record_key(upload, f'"{EMPTY_MD5}"')
        == f"upload-records/compare-image/{'a' * 32}/{EMPTY_MD5}.json"
    )
    assert upload_expectation_key(upload) == f"upload-expectations/compare-image/{'a' * 32}.json"
    assert session_key(BIZ_TOKEN) == f"verifications/{BIZ_TOKEN}/session.json"
    assert final_key(BIZ_TOKEN) == f"verifications/{BIZ_TOKEN}/final.json"
    assert idempotency_key(SHA256) == f"idempotency/{SHA256}.json"
    assert result_media_key(BIZ_TOKEN, "best-frame.jpg") == f"results/{BIZ_TOKEN}/best-frame.jpg"
    assert result_check_key(BIZ_TOKEN, 889_000_000) == f"result-checks/{BIZ_TOKEN}/889000000.json"


def test_every_object_version_has_its_own_upload_record() -> None:
    upload = new_upload_key(Purpose.LIVE_DATA)
    assert upload_record_key(upload, EMPTY_MD5) != upload_record_key(upload, "0" * 32 + "-2")


@pytest.mark.parametrize(
    "key", ["uploads/../upload-records/x", "upload-records/compare-image/x", "uploads/live-data/x/../../y"]
)
def test_an_upload_record_is_only_ever_keyed_by_a_server_key(key: str) -> None:
    with pytest.raises(InvalidKey):
        upload_record_key(key, EMPTY_MD5)
    with pytest.raises(InvalidKey):
        upload_expectation_key(key)


def _expectation(md5: str | None = EMPTY_MD5) -> UploadExpectation:
    return UploadExpectation(
        key=new_upload_key(Purpose.COMPARE_IMAGE), size=10, md5=md5, content_type="image/jpeg", created_at=NOW
    )


def test_an_object_matching_its_expectation_passes() -> None:
    assert _expectation().mismatch(size=10, md5=EMPTY_MD5, content_type="image/jpeg") is None
    assert _expectation(md5=None).mismatch(size=10, md5="0" * 32, content_type="IMAGE/JPEG") is None


@pytest.mark.parametrize(
    ("size", "md5", "content_type", "words"),
    [
        (50 * 1024 * 1024, EMPTY_MD5, "image/jpeg", "52428800 bytes"),
        (10, "0" * 32, "image/jpeg", "MD5"),
        (10, EMPTY_MD5, "application/json", "application/json"),
        (10, EMPTY_MD5, "", "untyped"),
    ],
)
def test_an_object_differing_from_its_expectation_is_named(
    size: int, md5: str, content_type: str, words: str
) -> None:
    reason = _expectation().mismatch(size=size, md5=md5, content_type=content_type)
    assert reason is not None
    assert words in reason


@pytest.mark.parametrize("etag", ["", "../x", "a/b", "x" * 65, '"abc\n"'])
def test_an_etag_cannot_add_path_segments(etag: str) -> None:
    with pytest.raises(ValueError, match="ETag"):
        upload_record_key(new_upload_key(Purpose.LIVE_DATA), etag)


@pytest.mark.parametrize("token", ["../idempotency/x", "", "81EEF678-28EE-4759-A82E-6CBBBE6BC442/x"])
def test_session_records_are_only_ever_keyed_by_a_biz_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        session_key(token)
    with pytest.raises(InvalidToken):
        final_key(token)
    with pytest.raises(InvalidToken):
        result_check_key(token, 1)


@pytest.mark.parametrize("key_hash", ["", "../x", SHA256.upper(), SHA256[:-1], "Idempotency-Key-from-client"])
def test_idempotency_records_are_keyed_by_the_hash_never_the_client_key(key_hash: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        idempotency_key(key_hash)


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        ("..", "x.jpg"),
        ("a/b", "x.jpg"),
        ("", "x.jpg"),
        (BIZ_TOKEN, "../x"),
        (BIZ_TOKEN, "a/b"),
        (BIZ_TOKEN, ".hidden"),
        (BIZ_TOKEN, "x" * 101),
    ],
)
def test_result_media_keys_are_one_plain_segment_each(owner: str, name: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        result_media_key(owner, name)


def test_records_are_camel_case_json_that_reads_back_equal() -> None:
    records = [
        UploadRecord(
            key=new_upload_key(Purpose.COMPARE_IMAGE),
            etag=EMPTY_MD5,
            md5=EMPTY_MD5,
            size=1234,
            content_kind="jpeg",
            content_type="image/jpeg",
            recorded_at=NOW,
        ),
        SessionRecord(
            biz_token=BIZ_TOKEN,
            flavor="live",
            reference="order-42",
            return_url="https://app.example.com/done",
            compare_image_key=None,
            compare_image_md5=None,
            request_hash=SHA256,
            verification_url=f"https://intl.faceid.qq.com/reflect/?token={BIZ_TOKEN}",
            created_at=NOW,
            expires_at=NOW,
        ),
        FinalRecord(
            biz_token=BIZ_TOKEN,
            status="failed",
            error_code=1002,
            error_message="Suspected spoofed recording",
            similarity=12.5,
            attempts=[
                Attempt(
                    error_code=1002,
                    error_message="x",
                    liveness_error_code=1002,
                    compare_error_code=None,
                    similarity=12.5,
                    at=None,
                )
            ],
            media={
                "bestFrame": StoredMedia(key=f"results/{BIZ_TOKEN}/best-frame.jpg", md5=EMPTY_MD5, size=10)
            },
            finalized_at=NOW,
        ),
        IdempotencyRecord(key_hash=SHA256, request_hash=SHA256, biz_token=BIZ_TOKEN, created_at=NOW),
    ]
    for record in records:
        stored = record.model_dump(mode="json")
        assert all("_" not in name for name in stored)
        assert type(record).model_validate(stored) == record
    assert records[2].model_dump(mode="json")["attempts"][0]["livenessErrorCode"] == 1002


def test_a_record_written_by_newer_code_still_reads_and_records_never_change() -> None:
    stored = {
        "keyHash": SHA256,
        "requestHash": SHA256,
        "bizToken": BIZ_TOKEN,
        "createdAt": NOW.isoformat(),
        "newField": 1,
    }
    record = IdempotencyRecord.model_validate(stored)
    assert record.biz_token == BIZ_TOKEN
    with pytest.raises(ValidationError):
        record.biz_token = "other"  # type: ignore[misc]


def test_a_tampered_record_does_not_validate() -> None:
    with pytest.raises(ValidationError):
        FinalRecord.model_validate(
            {
                "bizToken": BIZ_TOKEN,
                "status": "pending",
                "errorCode": None,
                "errorMessage": None,
                "similarity": None,
                "attempts": [],
                "media": {},
                "finalizedAt": NOW.isoformat(),
            }
        )
