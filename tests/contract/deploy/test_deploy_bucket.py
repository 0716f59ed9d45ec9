"""The bucket rules: shaped as cos-python-sdk-v5 turns them into COS XML, and `deploy.bucket` sends both."""

import json
from typing import Any

import pytest
from qcloud_cos.cos_comm import format_xml

from deploy.bucket import CORS_FILE, LIFECYCLE_FILE, apply, cors, lifecycle, main


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def put_bucket_lifecycle(self, bucket: str, configuration: dict[str, Any], /) -> None:
        self.calls.append(("lifecycle", bucket, configuration))

    def put_bucket_cors(self, bucket: str, configuration: dict[str, Any], /) -> None:
        self.calls.append(("cors", bucket, configuration))


def expiry_days(configuration: dict[str, Any]) -> dict[str, int]:
    return {
        rule["Filter"]["Prefix"]: rule["Expiration"]["Days"]
        for rule in configuration["Rule"]
        if "Expiration" in rule
    }


def test_default_retention():
    configuration = lifecycle({})
    assert expiry_days(configuration) == {
        "uploads/": 1,
        "upload-expectations/": 2,
        "upload-records/": 2,
        "idempotency/": 1,
        "results/": 30,
        "verifications/": 31,
        "comparisons/": 31,
        "webhooks/": 4,
        "open-verifications/": 4,
        "result-checks/": 1,
    }
    aborts = [rule for rule in configuration["Rule"] if "AbortIncompleteMultipartUpload" in rule]
    assert aborts == [
        {
            "ID": "abort-incomplete-multipart",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
    ]
    assert all(rule["Status"] == "Enabled" for rule in configuration["Rule"])


def test_retention_is_configurable_per_prefix_and_records_outlive_their_media():
    assert expiry_days(lifecycle({"results/": 90, "idempotency/": 7})) == {
        **expiry_days(lifecycle({})),
        "results/": 90,
        "idempotency/": 7,
        "verifications/": 91,
    }
    assert expiry_days(lifecycle({"results/": 7, "verifications/": 60}))["verifications/"] == 60
    with pytest.raises(ValueError, match="verifications/ must outlive results/"):
        lifecycle({"results/": 90, "verifications/": 90})
    with pytest.raises(ValueError, match="no expiry rule"):
        lifecycle({"other/": 3})
    with pytest.raises(ValueError, match="at least 1 day"):
        lifecycle({"results/": 0})


def test_cors_allows_the_signed_upload_headers_from_exact_origins():
    (rule,) = cors(["https://app.example.com", "https://admin.example.com:8443"])["CORSRule"]
    assert rule["AllowedOrigin"] == ["https://app.example.com", "https://admin.example.com:8443"]
    assert sorted(rule["AllowedMethod"]) == ["GET", "HEAD", "PUT"]
    signed = {
        "Content-Type",
        "Content-MD5",
        "Content-Length",
        "x-cos-forbid-overwrite",
        "x-cos-server-side-encryption",
    }
    assert signed <= set(rule["AllowedHeader"])
    assert rule["ExposeHeader"] == ["ETag"]


@pytest.mark.parametrize(
    "origin", ["*", "https://app.example.com/path", "app.example.com", "http://app.example.com"]
)
def test_cors_refuses_anything_but_an_exact_origin(origin):
    with pytest.raises(ValueError, match="exact origins"):
        cors([origin])


@pytest.mark.parametrize(
    ("path", "root", "element"),
    [(LIFECYCLE_FILE, "LifecycleConfiguration", "Rule"), (CORS_FILE, "CORSConfiguration", "CORSRule")],
)
def test_files_render_as_cos_xml(path, root, element):
    """The SDK turns each list item into one repeated element (xmltodict.unparse), as COS expects."""
    configuration = json.loads(path.read_text())
    xml = format_xml(data=configuration, root=root).decode()
    assert f"<{root}><{element}><ID>" in xml
    assert xml.count(f"<{element}>") == len(configuration[element])


def test_apply_sends_both_configurations():
    client = RecordingClient()
    apply(client, "relay-1250000000", lifecycle({}), cors(["https://app.example.com"]))
    assert [(kind, bucket) for kind, bucket, _ in client.calls] == [
        ("lifecycle", "relay-1250000000"),
        ("cors", "relay-1250000000"),
    ]


def test_dry_run_prints_and_needs_no_credentials(capsys, monkeypatch):
    monkeypatch.delenv("TENCENTCLOUD_SECRETID", raising=False)
    main(["--region", "ap-jakarta", "--bucket", "relay-1250000000", "--origin", "https://app.example.com",
          "--expire", "results/=90", "--dry-run"])  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    assert expiry_days(printed["LifecycleConfiguration"])["results/"] == 90
