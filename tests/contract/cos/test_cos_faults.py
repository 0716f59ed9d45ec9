"""Fault injection through the control API: the next N matching requests fail the way COS fails."""

import pytest
import requests
from qcloud_cos import CosServiceError

from tests.contract.cos.harness import BUCKET, Emulator


def test_the_next_matching_requests_fail_with_the_injected_error(emulator: Emulator) -> None:
    cos = emulator.client()
    emulator.control(
        "POST",
        "faults",
        {"method": "PUT", "key_prefix": "uploads/", "count": 2, "status": 503, "code": "SlowDown"},
    )

    cos.put_object(Bucket=BUCKET, Key="results/unaffected.jpg", Body=b"x")
    failures = []
    for _ in range(2):
        with pytest.raises(CosServiceError) as raised:
            cos.put_object(Bucket=BUCKET, Key="uploads/x.jpg", Body=b"x")
        failures.append((raised.value.get_status_code(), raised.value.get_error_code()))
    cos.put_object(Bucket=BUCKET, Key="uploads/x.jpg", Body=b"x")

    assert failures == [(503, "SlowDown"), (503, "SlowDown")]


def test_the_sdk_retry_survives_a_single_server_error(emulator: Emulator) -> None:
    emulator.control("POST", "faults", {"method": "GET", "count": 1, "status": 500})
    cos = emulator.client(retry=1)
    cos.put_object(Bucket=BUCKET, Key="uploads/x.jpg", Body=b"x")

    assert cos.get_object(Bucket=BUCKET, Key="uploads/x.jpg")["Body"].get_raw_stream().read() == b"x"


def test_delay_only_faults_slow_requests_down_without_failing_them(emulator: Emulator) -> None:
    emulator.control("POST", "faults", {"method": "PUT", "count": 1, "delay_seconds": 0.2})

    emulator.client().put_object(Bucket=BUCKET, Key="uploads/slow.jpg", Body=b"x")

    assert emulator.client().object_exists(Bucket=BUCKET, Key="uploads/slow.jpg")


@pytest.mark.parametrize(("method", "path"), [("DELETE", "faults"), ("POST", "reset")])
def test_clearing_or_resetting_removes_pending_faults(emulator: Emulator, method: str, path: str) -> None:
    emulator.control("POST", "faults", {"count": 5, "status": 503, "code": "SlowDown"})

    emulator.control(method, path)

    emulator.client().put_object(Bucket=BUCKET, Key="uploads/x.jpg", Body=b"x")


def test_a_fault_without_status_or_delay_is_refused(emulator: Emulator) -> None:
    response = requests.post(f"{emulator.url}/_control/faults", json={"count": 1}, timeout=10)

    assert response.status_code == 400
