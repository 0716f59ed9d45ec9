"""The ten-line receiver in the README accepts what the relay sends and refuses what the layer's verifier
refuses, so the example a reader copies is one that works."""

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from faceid_relay.webhooks import signature_header

README = Path(__file__).resolve().parents[2] / "README.md"
SECRET, OTHER = "s" * 40, "o" * 40
BODY = b'{"id":"evt_0","type":"verification.passed"}'


@pytest.fixture(scope="module")
def genuine() -> Callable[..., bool]:
    block = re.search(r"<!-- receiver-example -->\n```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert block is not None, "README lost its receiver example"
    assert len([line for line in block[1].splitlines() if line.strip()]) <= 10
    namespace: dict[str, object] = {}
    exec(compile(block[1], "README receiver", "exec"), namespace)  # noqa: S102 - our own README
    function = namespace["genuine"]
    assert callable(function)
    return function


def test_it_accepts_a_delivery_signed_now_with_either_secret_of_a_rotation(
    genuine: Callable[..., bool],
) -> None:
    now = int(time.time())

    assert genuine(BODY, signature_header([SECRET, OTHER], now, BODY), [SECRET])
    assert genuine(BODY, signature_header([SECRET], now, BODY), [OTHER, SECRET])


def test_it_refuses_a_tampered_body_an_old_timestamp_and_a_foreign_secret(
    genuine: Callable[..., bool],
) -> None:
    now = int(time.time())

    assert not genuine(BODY + b" ", signature_header([SECRET], now, BODY), [SECRET])
    assert not genuine(BODY, signature_header([SECRET], now - 301, BODY), [SECRET])
    assert not genuine(BODY, signature_header([OTHER], now, BODY), [SECRET])
    assert not genuine(BODY, "garbage", [SECRET])
