"""Bucket lifecycle through the unmodified SDK: PUT/GET/DELETE as COS answers them, and expiry in whole days
on the emulator's clock (last modified + Days, rounded up to the next midnight UTC; COS runs rules daily)."""

import pytest
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from localcloud.cos.lifecycle import DAY_SECONDS, after_whole_days
from tests.contract.cos.harness import BUCKET, Emulator

RULES = {
    "Rule": [
        {"ID": "short", "Filter": {"Prefix": "short/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
        {"ID": "long", "Filter": {"Prefix": "long/"}, "Status": "Enabled", "Expiration": {"Days": 3}},
        {"ID": "off", "Filter": {"Prefix": "off/"}, "Status": "Disabled", "Expiration": {"Days": 1}},
        {
            "ID": "cold",
            "Filter": {"Prefix": "cold/"},
            "Status": "Enabled",
            "Transition": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
        },
        {
            "ID": "abort",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]
}


def keys(cos: CosS3Client) -> set[str]:
    return {item["Key"] for item in cos.list_objects(Bucket=BUCKET).get("Contents", [])}


def keys_on(emulator: Emulator, cos: CosS3Client, moment: float) -> set[str]:
    """What is left once the emulator's clock has reached `moment` (its daily run on the way); listed back at
    the present, where the SDK's real-time signature is valid."""
    offset = moment - emulator.clock.now()
    emulator.control("POST", "clock", {"advance": offset})
    emulator.control("POST", "clock", {"advance": -offset})
    return keys(cos)


def test_a_bucket_without_rules_answers_no_such_lifecycle_configuration(cos: CosS3Client) -> None:
    with pytest.raises(CosServiceError) as raised:
        cos.get_bucket_lifecycle(Bucket=BUCKET)

    assert raised.value.get_status_code() == 404
    assert raised.value.get_error_code() == "NoSuchLifecycleConfiguration"


def test_rules_are_stored_as_put_and_deleted(cos: CosS3Client) -> None:
    cos.put_bucket_lifecycle(Bucket=BUCKET, LifecycleConfiguration=RULES)

    stored = cos.get_bucket_lifecycle(Bucket=BUCKET)["Rule"]
    cos.delete_bucket_lifecycle(Bucket=BUCKET)

    assert [rule["ID"] for rule in stored] == ["short", "long", "off", "cold", "abort"]
    assert stored[1]["Expiration"] == {"Days": "3"}
    with pytest.raises(CosServiceError, match="NoSuchLifecycleConfiguration"):
        cos.get_bucket_lifecycle(Bucket=BUCKET)


def test_a_malformed_rule_is_refused(cos: CosS3Client) -> None:
    bad = {"Rule": [{"ID": "x", "Filter": {"Prefix": "a/"}, "Status": "Maybe", "Expiration": {"Days": 1}}]}

    with pytest.raises(CosServiceError) as raised:
        cos.put_bucket_lifecycle(Bucket=BUCKET, LifecycleConfiguration=bad)

    assert raised.value.get_error_code() == "MalformedXML"


def test_objects_expire_in_whole_days_by_prefix(emulator: Emulator, cos: CosS3Client) -> None:
    cos.put_bucket_lifecycle(Bucket=BUCKET, LifecycleConfiguration=RULES)
    for key in ("short/a", "long/a", "off/a", "cold/a", "other/a"):
        cos.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    written = emulator.clock.now()
    upload_id = cos.create_multipart_upload(Bucket=BUCKET, Key="big/a")["UploadId"]

    half_day_early = keys_on(emulator, cos, after_whole_days(written, 1) - DAY_SECONDS / 2)
    after_one = keys_on(emulator, cos, after_whole_days(written, 1))
    after_three = keys_on(emulator, cos, after_whole_days(written, 3))

    assert half_day_early == {"short/a", "long/a", "off/a", "cold/a", "other/a"}
    assert after_one == {"long/a", "off/a", "cold/a", "other/a"}
    assert after_three == {"off/a", "cold/a", "other/a"}
    with pytest.raises(CosServiceError, match="NoSuchUpload"):
        cos.list_parts(Bucket=BUCKET, Key="big/a", UploadId=upload_id)
