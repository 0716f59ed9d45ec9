"""The shipped layer is enough: unzipped into an empty folder and used as the only extra path of a clean
interpreter (no site-packages, as SCF's /opt + /var/user), every handler imports and serves its sample
event against the local cloud, in the order the flows use them."""

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos import CosConfig, CosS3Client

from deploy.package import build
from faceid_relay.models.records import upload_expectation_key
from localcloud import accounts
from localcloud.stack import Stack, StackOptions

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"
PHOTO = (ROOT / "localcloud" / "faceid" / "assets" / "best_frame.jpg").read_bytes()
# The sample events name these objects; they are uploaded first, as a client would.
SAMPLE_UPLOADS = {
    "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10": PHOTO,
    "uploads/device-data/3f2b8c1e9a7d4e6f8b0c1d2e3f4a5b6c": b"\x00\x01device-data" * 64,
    "uploads/live-data/7a1c2e4b6d8f4a0c9e1b3d5f7a9c0e2b": b"\x00\x02live-data" * 64,
}
NOW = "2026-11-30T00:00:00Z"
INVOKE = """
import importlib.util, json, sys
function_dir, event_path, out_path = sys.argv[1:]
assert not any("site-packages" in entry for entry in sys.path), sys.path
spec = importlib.util.spec_from_file_location("app", f"{function_dir}/app.py")
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
event = json.load(open(event_path))
context = {"request_id": "layer-test", "function_name": "layer-test", "memory_limit_in_mb": 256,
           "time_limit_in_ms": 30000}
json.dump(app.handler(event, context), open(out_path, "w"))
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layer")
    report = build(out_dir=root / ".build", dist_dir=root / "dist")
    opt = root / "opt"
    with zipfile.ZipFile(report["layer-scf"].path) as archive:
        archive.extractall(opt)
    return opt


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    options = StackOptions(
        data_dir=tmp_path_factory.mktemp("cloud"),
        with_gateway=False,
        extra_env={"RELAY_ALLOWED_RETURN_ORIGINS": "https://app.example.com"},
    )
    stack = Stack(options).start()
    client = CosS3Client(
        CosConfig(
            Region=options.region,
            SecretId=accounts.PERMANENT.secret_id,
            SecretKey=accounts.PERMANENT.secret_key,
            IP="127.0.0.1",
            Port=stack.cos_port,
            Scheme="http",
        )
    )
    for key, data in SAMPLE_UPLOADS.items():
        content_type = (
            "image/jpeg" if key.startswith("uploads/compare-image/") else "application/octet-stream"
        )
        # What POST /uploads would have promised for the key: hashing refuses an object without it.
        promise = {"key": key, "size": len(data), "md5": None, "contentType": content_type, "createdAt": NOW}
        client.put_object(
            Bucket=stack.bucket, Key=upload_expectation_key(key), Body=json.dumps(promise).encode()
        )
        client.put_object(Bucket=stack.bucket, Key=key, Body=data, ContentType=content_type)
    yield stack
    stack.stop()


def run_from_layer(
    layer: Path, cloud: Stack, function: str, event: dict[str, Any], tmp: Path
) -> dict[str, Any]:
    event_path, out_path = tmp / f"{function}.event.json", tmp / f"{function}.out.json"
    event_path.write_text(json.dumps(event))
    result = subprocess.run(  # noqa: S603 - this interpreter without site-packages, fixed script
        [
            sys.executable,
            "-S",
            "-c",
            INVOKE,
            str(ROOT / "functions" / function),
            str(event_path),
            str(out_path),
        ],
        env={"PYTHONPATH": str(layer), **cloud.function_env(function)},  # its own key and CAM policy
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer: dict[str, Any] = json.loads(out_path.read_text())
    return answer


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def cos_event_for(key: str) -> dict[str, Any]:
    event = sample("hash_on_upload.scf-cos")
    cos_object = event["Records"][0]["cos"]["cosObject"]
    cos_object["key"] = cos_object["key"].rsplit("/uploads/", 1)[0] + "/" + key
    cos_object["url"] = cos_object["url"].split("/uploads/", 1)[0] + "/" + key
    return event


def test_every_handler_serves_from_the_layer_alone(layer: Path, cloud: Stack, tmp_path: Path) -> None:
    for key in SAMPLE_UPLOADS:
        hashed = run_from_layer(layer, cloud, "hash_on_upload", cos_event_for(key), tmp_path)
        assert hashed["recorded"] == [key]

    statuses = {
        function: run_from_layer(layer, cloud, function, sample(f"{function}.scf-url"), tmp_path)
        for function in ("presign_upload", "sequence_generation", "liveness_compare", "token_issuance")
    }
    assert {name: answer["statusCode"] for name, answer in statuses.items()} == dict.fromkeys(statuses, 200)

    biz_token = json.loads(statuses["token_issuance"]["body"])["bizToken"]
    callback = sample("redirect_callback.scf-url")
    callback["queryString"] = {"token": biz_token}
    redirected = run_from_layer(layer, cloud, "redirect_callback", callback, tmp_path)
    assert redirected["statusCode"] == 302
    assert redirected["headers"]["Location"].startswith("https://app.example.com/kyc/done?status=pending")

    read = sample("result_read.scf-url")
    read["path"] = f"/verifications/{biz_token}"
    result = run_from_layer(layer, cloud, "result_read", read, tmp_path)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["status"] == "pending"

    cancel = sample("verification_lifecycle.scf-url")
    cancel["path"] = f"/verifications/{biz_token}/cancel"
    canceled = run_from_layer(layer, cloud, "verification_lifecycle", cancel, tmp_path)
    assert canceled["statusCode"] == 200
    assert json.loads(canceled["body"])["status"] == "canceled"

    swept = run_from_layer(layer, cloud, "lifecycle_sweeper", sample("lifecycle_sweeper.scf-timer"), tmp_path)
    assert set(swept) == {"closed", "still_pending", "webhooks_sent"}
