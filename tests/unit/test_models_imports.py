"""Cold start: the validation layer (models, settings, errors, observability) must not drag in the cloud SDKs,
which cost about 200 ms each to import (peers.md §5.1); only storage.py and faceid.py may."""

import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
VALIDATION_LAYER = (
    "faceid_relay.errors",
    "faceid_relay.models.rules",
    "faceid_relay.models.requests",
    "faceid_relay.models.responses",
    "faceid_relay.models.records",
    "faceid_relay.settings",
    "faceid_relay.observability",
)


def test_the_validation_layer_imports_no_cloud_sdk() -> None:
    code = (
        f"import {', '.join(VALIDATION_LAYER)}, sys; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'qcloud_cos', 'tencentcloud', 'boto3', 'botocore', 'requests'}))"
    )
    env = {**os.environ, "PYTHONPATH": str(SHARED)}
    answer = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert answer.stdout.strip() == "[]"
