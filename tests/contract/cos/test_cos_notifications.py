"""Bucket notifications arrive as SCF COS trigger events, filtered by rule, as many times as configured."""

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import requests
from qcloud_cos import CosS3Client

from localcloud import accounts
from localcloud.cos import BucketConfig, NotificationRule
from localcloud.server import free_port
from tests.contract.cos.harness import BUCKET, REGION, Emulator, Recorder

KEY = "uploads/compare-image/a b+c 原.jpg"


def events_to(emulator: Emulator, function: str) -> list[dict[str, Any]]:
    return [entry["event"] for entry in emulator.recorder.events if entry["path"] == f"/_invoke/{function}"]


def test_only_keys_under_the_rule_prefix_trigger_the_function(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key="uploads/device-data/x.bin", Body=b"x")
    cos.put_object(Bucket=BUCKET, Key="results/bestframe.jpg", Body=b"y")

    deliveries = emulator.control("POST", "drain")

    assert [(d["eventName"], d["key"], d["status"]) for d in deliveries] == [
        ("cos:ObjectCreated:Put", "uploads/device-data/x.bin", 200)
    ]
    assert len(events_to(emulator, "hash_on_upload")) == 1
    assert emulator.control("GET", "deliveries") == deliveries


def test_delivered_event_has_the_scf_cos_trigger_shape(emulator: Emulator, cos: CosS3Client) -> None:
    put = cos.put_object(
        Bucket=BUCKET,
        Key=KEY,
        Body=b"12345",
        ContentType="image/jpeg",
        Metadata={"x-cos-meta-purpose": "compare"},
    )
    emulator.control("POST", "drain")

    (event,) = events_to(emulator, "hash_on_upload")
    (record,) = event["Records"]
    cos_part, event_part = record["cos"], record["event"]
    app_id, short_name = accounts.APPID, BUCKET.removesuffix(f"-{accounts.APPID}")
    assert cos_part["cosBucket"] == {"region": "sg", "name": short_name, "appid": app_id}
    assert cos_part["cosObject"]["size"] == 5
    assert cos_part["cosObject"]["vid"] == ""
    assert cos_part["cosObject"]["meta"] == {
        "x-cos-request-id": put["x-cos-request-id"],
        "Content-Type": "image/jpeg",
        "x-cos-meta-purpose": "compare",
    }
    # Keys arrive percent-encoded (our documented choice); the SCF demo's prefix strip then unquote.
    object_key = cos_part["cosObject"]["key"]
    assert object_key == f"/{app_id}/{short_name}/uploads/compare-image/a%20b%2Bc%20%E5%8E%9F.jpg"
    assert unquote(object_key.replace(f"/{app_id}/{short_name}/", "", 1)) == KEY
    assert (
        cos_part["cosObject"]["url"]
        == f"http://{BUCKET}.cos.{REGION}.myqcloud.com/{object_key.split('/', 3)[3]}"
    )
    assert cos_part["cosSchemaVersion"] == "1.0"
    assert event_part["eventName"] == "cos:ObjectCreated:Put"
    assert (event_part["eventSource"], event_part["eventVersion"]) == ("qcs::cos", "1.0")
    assert event_part["eventQueue"] == f"qcs:0:lambda:sg:appid/{app_id}:default.hash_on_upload.$LATEST"
    assert event_part["requestParameters"]["requestSourceIP"] == "127.0.0.1"
    assert event_part["requestParameters"]["requestHeaders"]["Authorization"].startswith(
        "q-sign-algorithm=sha1&"
    )
    assert abs(event_part["eventTime"] - emulator.clock.now()) < 3600
    assert isinstance(event_part["reqid"], int)


def test_a_rule_with_three_deliveries_posts_the_event_three_times(
    emulator: Emulator, cos: CosS3Client
) -> None:
    cos.put_object(Bucket=BUCKET, Key="audit/record.json", Body=b"{}")

    emulator.control("POST", "drain")

    audit = events_to(emulator, "audit")
    assert len(audit) == 3
    assert audit[0] == audit[1] == audit[2]


def test_copy_multipart_and_presigned_uploads_name_their_event(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_object(Bucket=BUCKET, Key="staging/source.jpg", Body=b"copy me")
    cos.copy_object(
        Bucket=BUCKET,
        Key="uploads/copied.jpg",
        CopySource={"Bucket": BUCKET, "Key": "staging/source.jpg", "Region": REGION},
    )
    upload_id = cos.create_multipart_upload(Bucket=BUCKET, Key="uploads/parts.bin")["UploadId"]
    etag = cos.upload_part(
        Bucket=BUCKET, Key="uploads/parts.bin", Body=b"p", PartNumber=1, UploadId=upload_id
    )["ETag"]
    cos.complete_multipart_upload(
        Bucket=BUCKET,
        Key="uploads/parts.bin",
        UploadId=upload_id,
        MultipartUpload={"Part": [{"PartNumber": 1, "ETag": etag}]},
    )
    url = emulator.path_style_client().get_presigned_url(
        Bucket=BUCKET, Key="uploads/browser.jpg", Method="PUT"
    )
    assert requests.put(url, data=b"from a browser", timeout=10).status_code == 200

    deliveries = emulator.control("POST", "drain")

    assert [(d["eventName"], d["key"]) for d in deliveries] == [
        ("cos:ObjectCreated:Copy", "uploads/copied.jpg"),
        ("cos:ObjectCreated:CompleteMultipartUpload", "uploads/parts.bin"),
        ("cos:ObjectCreated:Put", "uploads/browser.jpg"),
    ]


def test_failed_deliveries_are_recorded_not_raised(
    start_emulator: Callable[..., Emulator], recorder: Recorder
) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/_invoke/down"
    emulator = start_emulator(
        buckets=[
            BucketConfig(
                name=BUCKET,
                region=REGION,
                notifications=[
                    NotificationRule(target_url=unreachable),
                    NotificationRule(target_url=f"{recorder.url}/not-a-function"),
                ],
            )
        ]
    )

    emulator.client().put_object(Bucket=BUCKET, Key="uploads/x.jpg", Body=b"x")
    deliveries = emulator.control("POST", "drain")

    assert [(d["target"], d["status"]) for d in deliveries] == [
        (unreachable, 0),
        (f"{recorder.url}/not-a-function", 404),
    ]
    assert deliveries[0]["error"].startswith("ConnectError")
    emulator.control("POST", "reset")
    assert emulator.control("GET", "deliveries") == []
