"""Uploads in the flows: presign records what it promised, and a consumer finds an upload's record, hashes the
upload on first use when there is none (within the time left), and refuses what does not match the promise."""

import pytest

from faceid_relay.errors import UploadNotFound, UploadNotReady, UploadRefused
from faceid_relay.flows.hashing import record_upload
from faceid_relay.flows.uploads import create_upload, finished_upload
from faceid_relay.models.records import UploadExpectation, upload_expectation_key, upload_record_key
from faceid_relay.models.requests import CreateUploadRequest
from faceid_relay.models.responses import BucketUpload
from faceid_relay.models.rules import Purpose, new_upload_key
from faceid_relay.platform.cos_trigger import CosObjectEvent
from tests.fakes import BUCKET, FakeBucket, FakeFaceId, md5_of, settings

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def issued(bucket: FakeBucket, data: bytes, md5: str | None = None) -> str:
    """POST /uploads for `data`, then the client's PUT."""
    request = CreateUploadRequest.model_validate(
        {
            "purpose": "compare-image",
            "size": len(data),
            "contentType": "image/jpeg",
            **({"md5": md5} if md5 else {}),
        }
    )
    upload = presign(request, bucket)
    bucket.put(upload.key, data, "image/jpeg")
    return upload.key


def presign(request: CreateUploadRequest, bucket: FakeBucket) -> BucketUpload:
    upload = create_upload(request, settings(), bucket, FakeFaceId())
    assert isinstance(upload, BucketUpload)
    return upload


def never_presigned(bucket: FakeBucket) -> str:
    """An object under an upload key that no POST /uploads issued (written some other way)."""
    key = new_upload_key(Purpose.COMPARE_IMAGE)
    bucket.put(key, PHOTO, "image/jpeg")
    return key


def test_presign_signs_encryption_and_records_what_it_promised() -> None:
    bucket = FakeBucket()
    request = CreateUploadRequest.model_validate(
        {"purpose": "compare-image", "size": 10, "contentType": "image/jpeg", "md5": md5_of(b"0123456789")}
    )

    upload = presign(request, bucket)

    assert upload.headers["x-cos-server-side-encryption"] == "AES256"
    stored = bucket.read_json(upload_expectation_key(upload.key))
    assert stored is not None
    expectation = UploadExpectation.model_validate(stored)
    assert (expectation.key, expectation.size, expectation.md5, expectation.content_type) == (
        upload.key,
        10,
        md5_of(b"0123456789"),
        "image/jpeg",
    )


def test_an_upload_without_a_record_is_hashed_on_first_use() -> None:
    bucket = FakeBucket()
    key = issued(bucket, PHOTO, md5_of(PHOTO))

    record = finished_upload(bucket, key, Purpose.COMPARE_IMAGE, field="compareImageKey")

    assert (record.md5, record.size, record.refused) == (md5_of(PHOTO), len(PHOTO), None)
    assert bucket.read_json(upload_record_key(key, md5_of(PHOTO))) == record.model_dump(mode="json")


def test_a_trigger_and_a_first_use_agree_on_one_record() -> None:
    bucket = FakeBucket()
    key = issued(bucket, PHOTO)
    first = finished_upload(bucket, key, Purpose.COMPARE_IMAGE, field="compareImageKey")

    late = record_upload(
        CosObjectEvent(bucket=BUCKET, key=key, event_name="cos:ObjectCreated:Put"), settings(), bucket
    )

    assert late == first


def test_without_time_to_hash_the_answer_is_retry_later() -> None:
    bucket = FakeBucket(remaining=10.0)
    key = issued(bucket, PHOTO)

    with pytest.raises(UploadNotReady) as raised:
        finished_upload(bucket, key, Purpose.COMPARE_IMAGE, field="compareImageKey")

    assert raised.value.retry_after == 1
    assert bucket.read_json(upload_record_key(key, md5_of(PHOTO))) is None


def test_nothing_uploaded_is_not_found() -> None:
    bucket = FakeBucket()
    request = CreateUploadRequest.model_validate(
        {"purpose": "compare-image", "size": 10, "contentType": "image/jpeg"}
    )
    key = presign(request, bucket).key

    with pytest.raises(UploadNotFound):
        finished_upload(bucket, key, Purpose.COMPARE_IMAGE, field="compareImageKey")


@pytest.mark.parametrize(
    ("place", "reason"),
    [
        (lambda bucket: issued(bucket, PHOTO, md5_of(b"other")), "MD5"),
        (never_presigned, "No upload URL"),
    ],
    ids=["not the promised bytes", "never presigned"],
)
def test_an_object_other_than_the_promised_upload_is_refused(place, reason) -> None:
    bucket = FakeBucket()
    key = place(bucket)

    with pytest.raises(UploadRefused) as raised:
        finished_upload(bucket, key, Purpose.COMPARE_IMAGE, field="compareImageKey")

    assert raised.value.status == 422
    assert reason in raised.value.detail
    assert raised.value.field == "compareImageKey"


def test_a_copy_event_is_refused_even_when_the_bytes_match() -> None:
    bucket = FakeBucket()
    key = issued(bucket, PHOTO, md5_of(PHOTO))

    record = record_upload(
        CosObjectEvent(bucket=BUCKET, key=key, event_name="cos:ObjectCreated:Copy"), settings(), bucket
    )

    assert record is not None
    assert record.refused == "The object was not uploaded by a client (cos:ObjectCreated:Copy)."
    with pytest.raises(UploadRefused):
        finished_upload(bucket, key, Purpose.COMPARE_IMAGE, field="compareImageKey")
