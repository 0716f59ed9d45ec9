"""Least privilege as deployed: each function runs with its own key holding deploy/policies/<job>.json, and
the COS emulator evaluates it, so each function can do its job and nothing else; an upload URL cannot copy
anything, and an object that is not the upload its URL was issued for is refused."""

import uuid

import pytest
import requests
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from localcloud import accounts
from tests.integration.bucket import keys, owner_client
from tests.integration.relay import Relay, md5_hex, photo

TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
HEX = uuid.UUID(int=7).hex
U = f"uploads/compare-image/{HEX}"
E = f"upload-expectations/compare-image/{HEX}.json"
R = f"upload-records/compare-image/{HEX}/{'0' * 32}.json"
V = f"verifications/{TOKEN}/session.json"
I = f"idempotency/{'a' * 64}.json"  # noqa: E741 - one letter per prefix, as the table reads
S = f"results/{TOKEN}/best-frame.jpg"
O = f"open-verifications/20261123T121500Z/{TOKEN}.json"  # noqa: E741 - as above
W = f"webhooks/events/evt_{'0' * 32}/event.json"
WU = f"webhooks/undelivered/evt_{'0' * 32}.json"
DEVICE = f"uploads/device-data/{HEX}"
LIVE = f"uploads/live-data/{HEX}"

# (function, operation, key, allowed): what each function's job needs, and what it must not do.
PROBES = [
    *[("presign_upload", op, key, True) for op, key in [("put", U), ("put", E)]],
    *[
        ("presign_upload", op, key, False)
        for op, key in [
            ("get", U),
            ("head", U),
            ("get", E),
            ("put", R),
            ("put", V),
            ("put", S),
            ("delete", U),
        ]
    ],
    *[("hash_on_upload", op, key, True) for op, key in [("get", U), ("get", E), ("put", R), ("get", R)]],
    *[
        ("hash_on_upload", op, key, False)
        for op, key in [("put", U), ("put", E), ("put", V), ("get", V), ("delete", U), ("put", S)]
    ],
    *[("token_issuance", op, key, True) for op, key in [("head", U), ("get", R), ("put", V), ("put", I)]],
    *[
        ("token_issuance", op, key, False)
        for op, key in [("put", U), ("put", E), ("get", S), ("delete", U), ("get", LIVE)]
    ],
    *[("redirect_callback", op, key, True) for op, key in [("get", V), ("put", S), ("delete", U)]],
    *[
        ("redirect_callback", op, key, False)
        for op, key in [("get", U), ("get", R), ("put", U), ("put", I), ("delete", LIVE)]
    ],
    *[("result_read", op, key, True) for op, key in [("get", V), ("get", S), ("delete", U)]],
    *[("result_read", op, key, False) for op, key in [("put", U), ("get", U), ("get", I), ("get", R)]],
    *[("sequence_generation", op, key, True) for op, key in [("get", DEVICE), ("put", S)]],
    *[("sequence_generation", op, key, False) for op, key in [("get", U), ("put", V), ("delete", DEVICE)]],
    *[("liveness_compare", op, key, True) for op, key in [("get", LIVE), ("get", U), ("put", S)]],
    *[("liveness_compare", op, key, False) for op, key in [("get", DEVICE), ("put", V), ("get", V)]],
    *[("token_issuance", op, key, True) for op, key in [("put", O)]],
    *[("redirect_callback", op, key, True) for op, key in [("put", W), ("delete", WU), ("delete", S)]],
    *[("redirect_callback", op, key, False) for op, key in [("delete", W), ("delete", V), ("get", O)]],
    *[
        ("verification_lifecycle", op, key, True)
        for op, key in [("get", V), ("put", V), ("delete", S), ("delete", U), ("delete", R), ("delete", E)]
    ],
    *[
        ("verification_lifecycle", op, key, False)
        for op, key in [("delete", V), ("get", S), ("get", U), ("delete", LIVE), ("put", S), ("get", I)]
    ],
    *[
        ("lifecycle_sweeper", op, key, True)
        for op, key in [("get", O), ("delete", O), ("put", S), ("put", W)]
    ],
    *[
        ("lifecycle_sweeper", op, key, False)
        for op, key in [("get", U), ("get", S), ("delete", V), ("delete", W), ("get", I), ("put", U)]
    ],
]


@pytest.fixture(scope="module")
def owner(relay: Relay) -> CosS3Client:
    client = owner_client(relay.stack)
    for key in {key for _, _, key, _ in PROBES}:
        client.put_object(Bucket=relay.stack.bucket, Key=key, Body=b"{}")
    return client


def attempt(client: CosS3Client, bucket: str, operation: str, key: str) -> bool:
    """True when COS let the key do it, False on AccessDenied."""
    calls = {
        "put": lambda: client.put_object(Bucket=bucket, Key=key, Body=b"{}"),
        "get": lambda: client.get_object(Bucket=bucket, Key=key)["Body"].get_raw_stream().read(),
        "head": lambda: client.head_object(Bucket=bucket, Key=key),
        "delete": lambda: client.delete_object(Bucket=bucket, Key=key),
    }
    try:
        calls[operation]()
    except CosServiceError as error:
        if error.get_error_code() == "AccessDenied" or error.get_status_code() == 403:
            return False
        raise
    return True


@pytest.mark.parametrize(("function", "operation", "key", "allowed"), PROBES)
def test_each_function_can_do_its_job_and_nothing_else(
    relay: Relay, owner: CosS3Client, function: str, operation: str, key: str, allowed: bool
) -> None:
    client = owner_client(relay.stack, accounts.function_key(function, "ap-singapore"))
    if operation in ("get", "head"):
        owner.put_object(Bucket=relay.stack.bucket, Key=key, Body=b"{}")

    assert attempt(client, relay.stack.bucket, operation, key) is allowed


def test_an_upload_url_cannot_copy_anything(relay: Relay, owner: CosS3Client) -> None:
    """The reproduction from issue 12: a presigned PUT plus an unsigned x-cos-copy-source header."""
    secret = f"results/{TOKEN}/video.mp4"
    owner.put_object(Bucket=relay.stack.bucket, Key=secret, Body=b"someone else's video" * 1000)
    data = b"0123456789"
    answer = relay.post(
        "/uploads",
        {"purpose": "compare-image", "size": len(data), "contentType": "image/jpeg", "md5": md5_hex(data)},
    )
    upload = answer.json()

    put = requests.put(
        upload["uploadUrl"],
        data=data,
        headers={
            **upload["headers"],
            "x-cos-copy-source": f"{relay.stack.bucket}.cos.ap-singapore.myqcloud.com/{secret}",
        },
        timeout=30,
    )

    assert put.status_code == 403
    assert "<Code>AccessDenied</Code>" in put.text
    assert keys(owner, relay.stack.bucket, upload["key"]) == []


@pytest.mark.parametrize("acl", ["public-read", None])
def test_an_upload_url_cannot_make_its_object_public(
    relay: Relay, owner: CosS3Client, acl: str | None
) -> None:
    """The uploader swaps the signed x-cos-acl: private for public-read, or drops it (bucket default)."""
    data = b"0123456789"
    answer = relay.post(
        "/uploads",
        {"purpose": "compare-image", "size": len(data), "contentType": "image/jpeg", "md5": md5_hex(data)},
    )
    upload = answer.json()
    headers = {name: value for name, value in upload["headers"].items() if name != "x-cos-acl"}

    put = requests.put(
        upload["uploadUrl"], data=data, headers={**headers, **({"x-cos-acl": acl} if acl else {})}, timeout=30
    )

    assert upload["headers"]["x-cos-acl"] == "private"
    assert put.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in put.text
    assert keys(owner, relay.stack.bucket, upload["key"]) == []


def test_a_copied_object_in_an_upload_slot_is_refused(relay: Relay, owner: CosS3Client) -> None:
    """Were COS to perform such a copy, the Copy event is not recorded as an upload and its use is refused."""
    source = relay.upload("compare-image", photo(), "image/jpeg")
    answer = relay.post(
        "/uploads", {"purpose": "compare-image", "size": len(photo()), "contentType": "image/jpeg"}
    )
    slot = answer.json()["key"]
    owner.copy_object(
        Bucket=relay.stack.bucket,
        Key=slot,
        CopySource={"Bucket": relay.stack.bucket, "Key": source, "Region": "ap-singapore"},
    )
    requests.post(f"{relay.stack.cos}/_control/drain", timeout=30)  # the trigger has seen the Copy event

    refused = relay.wait_for_record(
        lambda: relay.post(
            "/verifications", {"compareImageKey": slot, "returnUrl": f"{relay.base}/demo/result"}
        )
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "UploadRefused"
    assert "cos:ObjectCreated:Copy" in refused.json()["message"]


def test_an_object_other_than_the_one_issued_is_refused(relay: Relay, owner: CosS3Client) -> None:
    """An upload URL signed for 10 bytes; 50 MB land under its key some other way."""
    answer = relay.post(
        "/uploads", {"purpose": "live-data", "size": 10, "contentType": "application/octet-stream"}
    )
    slot = answer.json()["key"]
    owner.put_object(Bucket=relay.stack.bucket, Key=slot, Body=b"\x00\xff" * (25 * 1024 * 1024))
    image = relay.upload("compare-image", photo(), "image/jpeg")

    refused = relay.wait_for_record(
        lambda: relay.post("/liveness-comparisons", {"liveDataKey": slot, "imageKey": image})
    )

    assert refused.status_code == 422, refused.text
    assert refused.json() == {
        "code": "UploadRefused",
        "message": "The object has 52428800 bytes, but the upload URL was issued for 10. "
        "The object under this key is not the upload its URL was issued for. "
        "Upload again with a new POST /uploads and use the new key.",
        "field": "liveDataKey",
    }
