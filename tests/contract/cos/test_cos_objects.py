"""Object API round trips with the unmodified cos-python-sdk-v5, on keys real uploads will have."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from qcloud_cos import CosS3Client, CosServiceError

from tests.contract.cos.harness import (
    BUCKET,
    OTHER_BUCKET,
    OTHER_REGION,
    REGION,
    Emulator,
    md5_b64,
    md5_hex,
)

KEY = "uploads/a b+c/原图 (1).jpg"


def read_all(response: dict[str, Any]) -> bytes:
    data: bytes = response["Body"].get_raw_stream().read()
    return data


def eventually(condition: Callable[[], bool], within_seconds: float = 10.0) -> bool:
    """Wait for something the server does after the client has gone (no timing is asserted)."""
    deadline = time.monotonic() + within_seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def service_error(call: Callable[[], object]) -> CosServiceError:
    with pytest.raises(CosServiceError) as raised:
        call()
    return raised.value


def test_put_get_head_delete_round_trip_keeps_bytes_type_and_metadata(cos: CosS3Client) -> None:
    body = b"\xff\xd8 a jpeg, or so it says"
    put = cos.put_object(
        Bucket=BUCKET,
        Key=KEY,
        Body=body,
        ContentMD5=md5_b64(body),
        ContentType="image/jpeg",
        Metadata={"x-cos-meta-owner": "user 1", "x-cos-meta-note": "é+ü"},
    )
    assert put["ETag"] == f'"{md5_hex(body)}"'

    head = cos.head_object(Bucket=BUCKET, Key=KEY)
    got = cos.get_object(Bucket=BUCKET, Key=KEY)

    for answer in (head, got):
        assert answer["ETag"] == put["ETag"]
        assert answer["Content-Type"] == "image/jpeg"
        assert answer["Content-Length"] == str(len(body))
        assert answer["x-cos-meta-owner"] == "user 1"
        assert answer["x-cos-meta-note"].encode("latin-1").decode() == "é+ü"
        assert answer["Last-Modified"].endswith(" GMT")
        assert answer["x-cos-request-id"]
        # Sent "only when the object is not STANDARD" (HEAD Object 436/7745).
        assert "x-cos-storage-class" not in answer
    assert read_all(got) == body

    cos.delete_object(Bucket=BUCKET, Key=KEY)
    assert not cos.object_exists(Bucket=BUCKET, Key=KEY)


def test_get_of_missing_key_is_no_such_key_and_delete_is_idempotent(cos: CosS3Client) -> None:
    error = service_error(lambda: cos.get_object(Bucket=BUCKET, Key="uploads/missing.jpg"))

    assert (error.get_status_code(), error.get_error_code()) == (404, "NoSuchKey")
    assert error.get_request_id()
    cos.delete_object(Bucket=BUCKET, Key="uploads/missing.jpg")


def test_ranged_get_returns_206_with_content_range(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"0123456789")

    first = cos.get_object(Bucket=BUCKET, Key=KEY, Range="bytes=2-5")
    suffix = cos.get_object(Bucket=BUCKET, Key=KEY, Range="bytes=-3")
    open_ended = cos.get_object(Bucket=BUCKET, Key=KEY, Range="bytes=7-")

    assert (read_all(first), first["Content-Range"]) == (b"2345", "bytes 2-5/10")
    assert (read_all(suffix), suffix["Content-Range"]) == (b"789", "bytes 7-9/10")
    assert read_all(open_ended) == b"789"


def test_range_beyond_the_object_is_416_invalid_range(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"0123456789")

    error = service_error(lambda: cos.get_object(Bucket=BUCKET, Key=KEY, Range="bytes=10-20"))

    assert (error.get_status_code(), error.get_error_code()) == (416, "InvalidRange")


def test_list_objects_folds_common_prefixes_and_pages_with_markers(cos: CosS3Client) -> None:
    for key in ("uploads/a/1.jpg", "uploads/a/2.jpg", "uploads/b.jpg", KEY, "results/x.jpg"):
        cos.put_object(Bucket=BUCKET, Key=key, Body=b"x")

    folded = cos.list_objects(Bucket=BUCKET, Prefix="uploads/", Delimiter="/")
    first = cos.list_objects(Bucket=BUCKET, Prefix="uploads/", MaxKeys=2)
    rest = cos.list_objects(Bucket=BUCKET, Prefix="uploads/", Marker=first["NextMarker"])

    assert [entry["Key"] for entry in folded["Contents"]] == ["uploads/b.jpg"]
    assert [entry["Prefix"] for entry in folded["CommonPrefixes"]] == ["uploads/a b+c/", "uploads/a/"]
    assert [entry["Key"] for entry in first["Contents"]] == [KEY, "uploads/a/1.jpg"]
    assert first["IsTruncated"] == "true"
    assert [entry["Key"] for entry in rest["Contents"]] == ["uploads/a/2.jpg", "uploads/b.jpg"]
    assert rest["IsTruncated"] == "false"


def test_tagging_put_get_delete_and_tags_set_at_upload(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"x", Tagging="md5=abc&state=new%20one")
    assert cos.get_object_tagging(Bucket=BUCKET, Key=KEY)["TagSet"]["Tag"] == [
        {"Key": "md5", "Value": "abc"},
        {"Key": "state", "Value": "new one"},
    ]
    assert cos.head_object(Bucket=BUCKET, Key=KEY)["x-cos-tagging-count"] == "2"

    cos.put_object_tagging(
        Bucket=BUCKET, Key=KEY, Tagging={"TagSet": {"Tag": [{"Key": "md5", "Value": "0cc175b9"}]}}
    )
    assert cos.get_object_tagging(Bucket=BUCKET, Key=KEY)["TagSet"]["Tag"] == [
        {"Key": "md5", "Value": "0cc175b9"}
    ]

    cos.delete_object_tagging(Bucket=BUCKET, Key=KEY)
    assert cos.get_object_tagging(Bucket=BUCKET, Key=KEY) == {"TagSet": None}


def test_more_than_ten_tags_are_refused(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]

    error = service_error(
        lambda: cos.put_object_tagging(Bucket=BUCKET, Key=KEY, Tagging={"TagSet": {"Tag": tags}})
    )

    assert (error.get_status_code(), error.get_error_code()) == (400, "InvalidTag")


def test_copy_keeps_bytes_and_metadata_also_across_buckets(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(
        Bucket=BUCKET, Key=KEY, Body=b"original", ContentType="image/png", Metadata={"x-cos-meta-a": "1"}
    )

    copied = cos.copy_object(
        Bucket=BUCKET, Key="results/copy é.png", CopySource={"Bucket": BUCKET, "Key": KEY, "Region": REGION}
    )
    other = emulator.client(region=OTHER_REGION)
    other.copy_object(
        Bucket=OTHER_BUCKET, Key="backup.png", CopySource={"Bucket": BUCKET, "Key": KEY, "Region": REGION}
    )

    assert copied["ETag"] == f'"{md5_hex(b"original")}"'
    head = cos.head_object(Bucket=BUCKET, Key="results/copy é.png")
    assert (head["Content-Type"], head["x-cos-meta-a"]) == ("image/png", "1")
    assert read_all(other.get_object(Bucket=OTHER_BUCKET, Key="backup.png")) == b"original"


def test_copy_with_replaced_directive_takes_the_new_metadata(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"x", ContentType="image/png", Metadata={"x-cos-meta-a": "1"})

    cos.copy_object(
        Bucket=BUCKET,
        Key="copy",
        CopySource={"Bucket": BUCKET, "Key": KEY, "Region": REGION},
        CopyStatus="Replaced",
        ContentType="text/plain",
    )

    head = cos.head_object(Bucket=BUCKET, Key="copy")
    assert head["Content-Type"] == "text/plain"
    assert "x-cos-meta-a" not in head


def test_multipart_upload_round_trip(cos: CosS3Client) -> None:
    first, second = b"a" * (1024 * 1024), b"tail of the object"
    upload_id = cos.create_multipart_upload(Bucket=BUCKET, Key=KEY, ContentType="video/mp4")["UploadId"]
    etags = [
        cos.upload_part(Bucket=BUCKET, Key=KEY, Body=part, PartNumber=number, UploadId=upload_id)["ETag"]
        for number, part in ((1, first), (2, second))
    ]
    listed = cos.list_parts(Bucket=BUCKET, Key=KEY, UploadId=upload_id)
    assert [part["ETag"] for part in listed["Part"]] == etags

    done = cos.complete_multipart_upload(
        Bucket=BUCKET,
        Key=KEY,
        UploadId=upload_id,
        MultipartUpload={
            "Part": [{"PartNumber": n, "ETag": etag} for n, etag in ((1, etags[0]), (2, etags[1]))]
        },
    )

    part_digests = bytes.fromhex(md5_hex(first)) + bytes.fromhex(md5_hex(second))
    assert done["ETag"] == f'"{md5_hex(part_digests)}-2"'
    got = cos.get_object(Bucket=BUCKET, Key=KEY)
    assert (read_all(got), got["Content-Type"], got["ETag"]) == (first + second, "video/mp4", done["ETag"])


def test_multipart_parts_other_than_the_last_must_be_at_least_1_mb(cos: CosS3Client) -> None:
    upload_id = cos.create_multipart_upload(Bucket=BUCKET, Key=KEY)["UploadId"]
    etags = [
        cos.upload_part(Bucket=BUCKET, Key=KEY, Body=b"small", PartNumber=n, UploadId=upload_id)["ETag"]
        for n in (1, 2)
    ]
    parts = {"Part": [{"PartNumber": n, "ETag": etag} for n, etag in zip((1, 2), etags, strict=True)]}

    error = service_error(
        lambda: cos.complete_multipart_upload(
            Bucket=BUCKET, Key=KEY, UploadId=upload_id, MultipartUpload=parts
        )
    )

    assert (error.get_status_code(), error.get_error_code()) == (400, "EntityTooSmall")
    cos.abort_multipart_upload(Bucket=BUCKET, Key=KEY, UploadId=upload_id)
    assert service_error(
        lambda: cos.list_parts(Bucket=BUCKET, Key=KEY, UploadId=upload_id)
    ).get_error_code() == ("NoSuchUpload")


def test_sdk_upload_file_and_download_file_use_multipart_and_crc64(cos: CosS3Client, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(bytes(range(256)) * (3 * 4096 + 7))  # a little over 3 MiB
    target = tmp_path / "back.bin"

    uploaded = cos.upload_file(Bucket=BUCKET, Key=KEY, LocalFilePath=str(source), PartSize=1, MAXThread=2)
    cos.download_file(Bucket=BUCKET, Key=KEY, DestFilePath=str(target), PartSize=1, EnableCRC=True)

    assert uploaded["ETag"].endswith('-4"')
    assert target.read_bytes() == source.read_bytes()


def test_content_md5_mismatch_is_bad_digest_and_leaves_nothing_behind(
    emulator: Emulator, cos: CosS3Client
) -> None:
    error = service_error(
        lambda: cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"bytes", ContentMD5=md5_b64(b"other"))
    )

    assert (error.get_status_code(), error.get_error_code()) == (400, "BadDigest")
    assert not cos.object_exists(Bucket=BUCKET, Key=KEY)
    assert list((emulator.data_dir / BUCKET / "tmp").iterdir()) == []


def test_malformed_content_md5_is_invalid_digest(cos: CosS3Client) -> None:
    hex_md5 = md5_hex(b"bytes")  # the FaceID encoding, wrong for COS

    error = service_error(lambda: cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"bytes", ContentMD5=hex_md5))

    assert (error.get_status_code(), error.get_error_code()) == (400, "InvalidDigest")


def test_object_larger_than_the_put_limit_is_entity_too_large(
    start_emulator: Callable[..., Emulator],
) -> None:
    cos = start_emulator(max_put_size=1024).client()

    error = service_error(lambda: cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"x" * 1025))

    assert (error.get_status_code(), error.get_error_code()) == (400, "EntityTooLarge")


# cos-python-sdk-v5 1.9.44 has no keyword for x-cos-forbid-overwrite (cos_comm.maplist); `Metadata` entries
# are sent as raw headers (cos_comm.mapped), which is how callers set it.
FORBID_OVERWRITE = {"x-cos-forbid-overwrite": "true"}


def test_forbid_overwrite_second_put_is_409_and_first_object_stays(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key="state/session.json", Body=b"first", Metadata=FORBID_OVERWRITE)

    error = service_error(
        lambda: cos.put_object(
            Bucket=BUCKET, Key="state/session.json", Body=b"second", Metadata=FORBID_OVERWRITE
        )
    )

    assert (error.get_status_code(), error.get_error_code()) == (409, "FileAlreadyExists")
    assert read_all(cos.get_object(Bucket=BUCKET, Key="state/session.json")) == b"first"


def test_forbid_overwrite_also_guards_copy_and_multipart_completion(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key="state/final.json", Body=b"winner")
    cos.put_object(Bucket=BUCKET, Key="state/other.json", Body=b"loser")
    upload_id = cos.create_multipart_upload(Bucket=BUCKET, Key="state/final.json")["UploadId"]
    etag = cos.upload_part(
        Bucket=BUCKET, Key="state/final.json", Body=b"loser", PartNumber=1, UploadId=upload_id
    )["ETag"]

    copy_error = service_error(
        lambda: cos.copy_object(
            Bucket=BUCKET,
            Key="state/final.json",
            CopySource={"Bucket": BUCKET, "Key": "state/other.json", "Region": REGION},
            Metadata=FORBID_OVERWRITE,
        )
    )
    complete_error = service_error(
        lambda: cos.complete_multipart_upload(
            Bucket=BUCKET,
            Key="state/final.json",
            UploadId=upload_id,
            MultipartUpload={"Part": [{"PartNumber": 1, "ETag": etag}]},
            Metadata=FORBID_OVERWRITE,
        )
    )

    assert copy_error.get_error_code() == complete_error.get_error_code() == "FileAlreadyExists"
    assert read_all(cos.get_object(Bucket=BUCKET, Key="state/final.json")) == b"winner"


def test_concurrent_create_once_puts_have_exactly_one_winner(emulator: Emulator) -> None:
    def attempt(writer: int) -> tuple[int, str]:
        try:
            emulator.client().put_object(
                Bucket=BUCKET,
                Key="state/race.json",
                Body=f"writer {writer}".encode(),
                Metadata=FORBID_OVERWRITE,
            )
        except CosServiceError as error:
            return error.get_status_code(), error.get_error_code()
        return 200, "OK"

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))

    assert sorted(statuses) == [(200, "OK")] + [(409, "FileAlreadyExists")] * 7
    winner = statuses.index((200, "OK"))
    stored = emulator.client().get_object(Bucket=BUCKET, Key="state/race.json")
    assert read_all(stored) == f"writer {winner}".encode()


def test_objects_survive_a_restart_on_the_same_data_dir(start_emulator: Callable[..., Emulator]) -> None:
    first = start_emulator()
    first.client().put_object(
        Bucket=BUCKET, Key=KEY, Body=b"kept", ContentType="image/jpeg", Metadata={"x-cos-meta-owner": "u1"}
    )
    first.client().put_object_tagging(
        Bucket=BUCKET, Key=KEY, Tagging={"TagSet": {"Tag": [{"Key": "k", "Value": "v"}]}}
    )
    first.server.stop()

    cos = start_emulator().client()

    got = cos.get_object(Bucket=BUCKET, Key=KEY)
    assert (read_all(got), got["Content-Type"], got["x-cos-meta-owner"]) == (b"kept", "image/jpeg", "u1")
    assert cos.get_object_tagging(Bucket=BUCKET, Key=KEY)["TagSet"]["Tag"] == [{"Key": "k", "Value": "v"}]


def test_path_style_sdk_client_reaches_the_same_objects(emulator: Emulator, cos: CosS3Client) -> None:
    path_style = emulator.path_style_client()

    path_style.put_object(Bucket=BUCKET, Key=KEY, Body=b"via path", ContentType="text/plain")

    assert read_all(cos.get_object(Bucket=BUCKET, Key=KEY)) == b"via path"
    assert path_style.head_object(Bucket=BUCKET, Key=KEY)["Content-Length"] == "8"


def test_an_interrupted_upload_leaves_no_object_and_no_temporary_file(emulator: Emulator) -> None:
    url = emulator.path_style_client().get_presigned_url(Bucket=BUCKET, Key=KEY, Method="PUT", Expired=60)

    def half_sent_body() -> Iterator[bytes]:
        yield b"x" * 1000
        raise ConnectionAbortedError("client went away")

    with pytest.raises(requests.exceptions.RequestException):
        requests.put(url, data=half_sent_body(), headers={"Content-Length": "100000"}, timeout=10)

    tmp = emulator.data_dir / BUCKET / "tmp"
    assert eventually(lambda: not any(tmp.iterdir())), "the partial body was not removed"
    assert not emulator.client().object_exists(Bucket=BUCKET, Key=KEY)


# Conditional GET/HEAD Object (GET Object 436/7753, HEAD Object 436/7745): If-Match / If-Unmodified-Since
# unmet → 412, If-None-Match / If-Modified-Since unmet → 304 Not Modified.

FAR_PAST = "Sat, 01 Jan 2000 00:00:00 GMT"
FAR_FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"


@pytest.mark.parametrize(
    "condition",
    [{"If-Match": '"0123456789abcdef0123456789abcdef"'}, {"If-Unmodified-Since": FAR_PAST}],
    ids=["if-match", "if-unmodified-since"],
)
def test_unmet_if_match_or_if_unmodified_since_is_412_precondition_failed(
    cos: CosS3Client, condition: dict[str, str]
) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"0123456789")
    kwargs = {name.replace("-", ""): value for name, value in condition.items()}

    got = service_error(lambda: cos.get_object(Bucket=BUCKET, Key=KEY, **kwargs))
    head = service_error(lambda: cos.head_object(Bucket=BUCKET, Key=KEY, **kwargs))

    assert (got.get_status_code(), got.get_error_code()) == (412, "PreconditionFailed")
    assert head.get_status_code() == 412


def test_met_conditions_return_the_object(cos: CosS3Client) -> None:
    etag = cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"0123456789")["ETag"]

    got = cos.get_object(
        Bucket=BUCKET, Key=KEY, IfMatch=etag, IfNoneMatch='"other"', IfModifiedSince=FAR_PAST
    )

    assert read_all(got) == b"0123456789"


@pytest.mark.parametrize(
    "condition",
    [{"If-None-Match": "<etag>"}, {"If-None-Match": "*"}, {"If-Modified-Since": FAR_FUTURE}],
    ids=["if-none-match", "if-none-match-any", "if-modified-since"],
)
def test_unmet_if_none_match_or_if_modified_since_is_304_without_body(
    emulator: Emulator, cos: CosS3Client, condition: dict[str, str]
) -> None:
    etag = cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"0123456789")["ETag"]
    headers = {name: value.replace("<etag>", etag) for name, value in condition.items()}
    signer = emulator.path_style_client()

    # Raw HTTP: on a 304 the SDK's get_object fails building its StreamBody (no Content-Length).
    got = requests.get(signer.get_presigned_download_url(Bucket=BUCKET, Key=KEY), headers=headers, timeout=10)
    head_url = signer.get_presigned_url(Bucket=BUCKET, Key=KEY, Method="HEAD")
    head = requests.head(head_url, headers=headers, timeout=10)

    for answer in (got, head):
        assert (answer.status_code, answer.content) == (304, b"")
        assert answer.headers["ETag"] == etag
        assert answer.headers["x-cos-request-id"]
