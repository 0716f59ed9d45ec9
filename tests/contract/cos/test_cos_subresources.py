"""Bucket and object sub-resources (?cors, ?location, ?versioning, ?acl, ...) with the unmodified SDK: each
is its own COS API, so one the emulator does not serve answers NotImplemented and never acts as a plain
object or bucket request."""

import pytest
import requests
from qcloud_cos import CosS3Client, CosServiceError

from tests.contract.cos.harness import (
    APP_ORIGIN,
    BUCKET,
    OTHER_BUCKET,
    OTHER_REGION,
    REGION,
    Emulator,
    md5_b64,
)

KEY = "results/best-frame.jpg"
BODY = b"\xff\xd8 best frame"


def service_error(call: object) -> CosServiceError:
    with pytest.raises(CosServiceError) as raised:
        call()  # type: ignore[operator]
    return raised.value


def test_put_object_acl_answers_not_implemented_and_leaves_the_object_alone(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)

    error = service_error(lambda: cos.put_object_acl(Bucket=BUCKET, Key=KEY, ACL="private"))

    assert (error.get_status_code(), error.get_error_code()) == (501, "NotImplemented")
    assert cos.get_object(Bucket=BUCKET, Key=KEY)["Body"].get_raw_stream().read() == BODY


def test_get_object_acl_is_not_answered_with_the_object(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)

    error = service_error(lambda: cos.get_object_acl(Bucket=BUCKET, Key=KEY))

    assert error.get_status_code() == 501


def test_get_bucket_cors_returns_the_buckets_rules(cos: CosS3Client) -> None:
    rules = cos.get_bucket_cors(Bucket=BUCKET)["CORSRule"]
    rule = rules[0] if isinstance(rules, list) else rules

    assert rule["AllowedOrigin"] == [APP_ORIGIN]
    assert rule["AllowedMethod"] == ["PUT", "GET"]
    assert "x-cos-forbid-overwrite" in rule["AllowedHeader"]


def test_get_bucket_cors_without_rules_is_no_such_cors_configuration(emulator: Emulator) -> None:
    other = emulator.client(region=OTHER_REGION)

    error = service_error(lambda: other.get_bucket_cors(Bucket=OTHER_BUCKET))

    assert (error.get_status_code(), error.get_error_code()) == (404, "NoSuchCORSConfiguration")


def test_get_bucket_location_and_versioning(cos: CosS3Client) -> None:
    assert cos.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == REGION
    assert not (cos.get_bucket_versioning(Bucket=BUCKET).get("VersioningConfiguration") or {}).get("Status")


def test_bucket_sub_resources_not_served_answer_not_implemented(cos: CosS3Client) -> None:
    error = service_error(lambda: cos.get_bucket_policy(Bucket=BUCKET))

    assert error.get_status_code() == 501


def test_storage_class_other_than_standard_is_kept_and_returned(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, StorageClass="STANDARD_IA")

    assert cos.head_object(Bucket=BUCKET, Key=KEY)["x-cos-storage-class"] == "STANDARD_IA"


def test_unknown_storage_class_is_invalid_argument(cos: CosS3Client) -> None:
    error = service_error(lambda: cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, StorageClass="GOLD"))

    assert (error.get_status_code(), error.get_error_code()) == (400, "InvalidArgument")


def test_a_method_cos_does_not_have_is_405_with_a_request_id(emulator: Emulator) -> None:
    answer = requests.patch(f"{emulator.url}/{BUCKET}/{KEY}", data=b"x", timeout=10)

    assert answer.status_code == 405
    assert "<Code>MethodNotAllowed</Code>" in answer.text
    assert answer.headers["x-cos-request-id"]


# Object ACLs (x-cos-acl on PUT Object, 436/7749): public-read objects answer unsigned GET and HEAD;
# everything else stays private ("For unsigned requests to a non-publicly readable object, COS will
# return Access Denied", 436/40105).


def test_public_read_object_answers_unsigned_get_and_head_only(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ACL="public-read")
    cos.put_object(Bucket=BUCKET, Key="results/private.jpg", Body=BODY)
    url = f"{emulator.url}/{BUCKET}/{KEY}"

    got = requests.get(url, timeout=10)
    head = requests.head(url, timeout=10)
    tags = requests.get(f"{url}?tagging", timeout=10)
    overridden = requests.get(f"{url}?response-content-type=text%2Fhtml", timeout=10)
    private = requests.get(f"{emulator.url}/{BUCKET}/results/private.jpg", timeout=10)
    overwrite = requests.put(url, data=b"defaced", timeout=10)

    assert (got.status_code, got.content) == (200, BODY)
    assert head.status_code == 200
    statuses = [tags.status_code, overridden.status_code, private.status_code, overwrite.status_code]
    assert statuses == [403, 403, 403, 403]


def test_unknown_object_acl_is_invalid_argument(cos: CosS3Client) -> None:
    error = service_error(lambda: cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY, ACL="public-read-write!"))

    assert (error.get_status_code(), error.get_error_code()) == (400, "InvalidArgument")


# DELETE Multiple Objects (POST /?delete, 436/8289).


def test_batch_delete_removes_present_and_absent_keys_alike(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
    objects = [{"Key": KEY}, {"Key": "results/never-written.jpg"}]

    answer = cos.delete_objects(Bucket=BUCKET, Delete={"Object": objects, "Quiet": "false"})

    assert sorted(item["Key"] for item in answer["Deleted"]) == sorted([KEY, "results/never-written.jpg"])
    assert not answer.get("Error")
    assert not cos.object_exists(Bucket=BUCKET, Key=KEY)


def test_quiet_batch_delete_lists_only_failures(cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)

    answer = cos.delete_objects(Bucket=BUCKET, Delete={"Object": [{"Key": KEY}], "Quiet": "true"})

    assert not answer.get("Deleted")
    assert not cos.object_exists(Bucket=BUCKET, Key=KEY)


def test_xml_body_that_does_not_match_its_content_md5_is_bad_digest(emulator: Emulator) -> None:
    # The SDK always sends the right Content-MD5 for the XML it builds; a raw client may not.
    client = emulator.path_style_client()
    client.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
    body = b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    headers = {"Content-MD5": md5_b64(b"something else"), "Content-Type": "application/xml"}
    url = client.get_presigned_url(
        Bucket=BUCKET, Key=KEY, Method="PUT", Params={"tagging": ""}, Headers=headers
    )

    answer = requests.put(url, data=body, headers=headers, timeout=10)

    assert answer.status_code == 400
    assert "<Code>BadDigest</Code>" in answer.text
    assert not client.get_object_tagging(Bucket=BUCKET, Key=KEY).get("TagSet")


def test_every_answer_names_the_server_tencent_cos(emulator: Emulator, cos: CosS3Client) -> None:
    # "Server ... Default value: tencent-cos" (COS Common Response Headers, 436/7729).
    head = cos.head_bucket(Bucket=BUCKET)
    refused = requests.get(f"{emulator.url}/{BUCKET}/{KEY}", timeout=10)

    assert head["Server"] == "tencent-cos"
    assert refused.raw.headers.getlist("server") == ["tencent-cos"]
