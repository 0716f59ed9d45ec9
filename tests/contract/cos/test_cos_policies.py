"""CAM policies per key pair (deny by default, deny wins, "*" in actions and resources) and server-side
encryption, through the unmodified SDK."""

from collections.abc import Callable

import pytest
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from localcloud import accounts
from tests.contract.cos.harness import BUCKET, REGION, Emulator

RESOURCE = f"qcs::cos:{REGION}:uid/{accounts.APPID}:{BUCKET}/"
WRITER = accounts.KeyPair(
    "AKIDlocalcloudPolicyWriter00000000",
    "localcloudPolicyWriterSecret00000",
    token="policy-writer-token",
    policy={
        "version": "2.0",
        "statement": [
            {"effect": "allow", "action": ["name/cos:PutObject"], "resource": [f"{RESOURCE}in/*"]},
            {"effect": "allow", "action": ["name/cos:*"], "resource": [f"{RESOURCE}shared/*"]},
            {"effect": "deny", "action": ["name/cos:DeleteObject"], "resource": [f"{RESOURCE}shared/keep*"]},
        ],
    },
)


@pytest.fixture
def writer(start_emulator: Callable[..., Emulator]) -> tuple[CosS3Client, CosS3Client]:
    emulator = start_emulator(keys=[*accounts.KEYS, WRITER])
    return emulator.client(WRITER), emulator.client()


def denied(call: Callable[[], object]) -> bool:
    """True when COS answered 403 AccessDenied, False when the call went through."""
    try:
        call()
    except CosServiceError as error:
        return (error.get_status_code(), error.get_error_code()) == (403, "AccessDenied")
    return False


def test_a_key_may_do_what_its_policy_allows_and_nothing_else(
    writer: tuple[CosS3Client, CosS3Client],
) -> None:
    client, owner = writer
    owner.put_object(Bucket=BUCKET, Key="out/secret", Body=b"secret")

    assert not denied(lambda: client.put_object(Bucket=BUCKET, Key="in/a", Body=b"a"))
    assert denied(lambda: client.get_object(Bucket=BUCKET, Key="in/a"))
    assert denied(lambda: client.put_object(Bucket=BUCKET, Key="out/a", Body=b"a"))
    assert denied(lambda: client.list_objects(Bucket=BUCKET))
    assert not denied(lambda: client.put_object(Bucket=BUCKET, Key="shared/keep-me", Body=b"k"))
    assert denied(lambda: client.delete_object(Bucket=BUCKET, Key="shared/keep-me"))
    assert not denied(lambda: client.delete_object(Bucket=BUCKET, Key="shared/other"))


def test_a_copy_needs_read_access_to_its_source(writer: tuple[CosS3Client, CosS3Client]) -> None:
    client, owner = writer
    owner.put_object(Bucket=BUCKET, Key="out/secret", Body=b"secret")
    source = {"Bucket": BUCKET, "Key": "out/secret", "Region": REGION}

    assert denied(lambda: client.copy_object(Bucket=BUCKET, Key="in/copy", CopySource=source))
    with pytest.raises(CosServiceError) as missing:
        owner.head_object(Bucket=BUCKET, Key="in/copy")
    assert missing.value.get_status_code() == 404


def test_server_side_encryption_is_recorded_and_returned(cos: CosS3Client) -> None:
    put = cos.put_object(Bucket=BUCKET, Key="enc/a", Body=b"a", ServerSideEncryption="AES256")
    cos.put_object(Bucket=BUCKET, Key="plain/a", Body=b"a")

    assert put["x-cos-server-side-encryption"] == "AES256"
    assert cos.head_object(Bucket=BUCKET, Key="enc/a")["x-cos-server-side-encryption"] == "AES256"
    assert "x-cos-server-side-encryption" not in cos.head_object(Bucket=BUCKET, Key="plain/a")
    with pytest.raises(CosServiceError) as raised:
        cos.put_object(Bucket=BUCKET, Key="enc/b", Body=b"b", ServerSideEncryption="DES")
    assert raised.value.get_error_code() == "InvalidArgument"


def test_batch_delete_checks_each_key_and_lists_the_refusals(writer: tuple[CosS3Client, CosS3Client]) -> None:
    client, owner = writer
    for key in ("shared/keep-me", "shared/other"):
        owner.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    objects = [{"Key": "shared/keep-me"}, {"Key": "shared/other"}]

    answer = client.delete_objects(Bucket=BUCKET, Delete={"Object": objects, "Quiet": "false"})

    assert [item["Key"] for item in answer["Deleted"]] == ["shared/other"]
    assert [(item["Key"], item["Code"]) for item in answer["Error"]] == [("shared/keep-me", "AccessDenied")]
    assert owner.object_exists(Bucket=BUCKET, Key="shared/keep-me")
    assert not owner.object_exists(Bucket=BUCKET, Key="shared/other")
