"""Lambda SnapStart resumes many execution environments from one snapshot of a finished init: whatever init
drew at random or opened is then shared by all of them (docs.aws.amazon.com/lambda/latest/dg/
snapstart-uniqueness.html). deploy/README.md §4 lists what the layer keeps from init and why each is safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from faceid_relay.faceid import BACKOFF_JITTER

ROOT = Path(__file__).resolve().parents[2]
# Every function's init, with the network cut: any connection attempt ends that process with an error.
INIT_WITHOUT_NETWORK = """
import importlib.util, socket, sys

def refuse(*args, **kwargs):
    raise SystemExit(f"network call during init: {args!r}")

socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
for app in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(f"init_{len(sys.modules)}", app)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
print("ok")
"""
DEPLOYED_ENVIRONMENT = {
    "RELAY_REGION": "ap-singapore",
    "RELAY_BUCKET": "faceid-relay-sg-1250000000",
    "RELAY_ALLOWED_RETURN_ORIGINS": "https://app.example.com",
    "RELAY_CALLBACK_URL": "https://faceid-sg.example.com/callback",
    "RELAY_APP_TOKEN": "t" * 40,
    "TENCENTCLOUD_SECRETID": "AKIDexampleexampleexample",
    "TENCENTCLOUD_SECRETKEY": "example-secret-key",
}


def test_rate_limit_backoff_draws_from_the_os_not_from_a_state_a_snapshot_would_copy():
    """Environments restored from one snapshot must not retry FaceID in lockstep: a seeded generator (what
    `random.uniform` uses) has a state, and every copy of that state draws the same delays."""
    with pytest.raises(NotImplementedError):
        BACKOFF_JITTER.getstate()


def test_no_function_opens_a_connection_during_init():
    """A connection opened at init would be in the snapshot, long closed by the time it is restored."""
    apps = sorted(str(app) for app in (ROOT / "functions").glob("*/app.py"))
    assert len(apps) == 9
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed script
        [sys.executable, "-c", INIT_WITHOUT_NETWORK, *apps],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(sys.path), **DEPLOYED_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok"
