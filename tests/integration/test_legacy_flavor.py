"""The legacy web flow (ApplyWebVerificationToken through CommonClient): the compare image goes by URL +
MD5, and the result media (URLs valid 10 minutes) are downloaded, checked and kept."""

from collections.abc import Callable

import pytest
import requests

from tests.integration.relay import Relay, md5_hex, photo


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack("--flavor", "legacy")


def test_legacy_verification_keeps_its_media(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key, reference="legacy-1")

    answer = relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))

    assert answer.status_code == 302
    result = relay.get(f"/verifications/{issued['bizToken']}").json()
    assert result["status"] == "passed"
    frame = requests.get(result["media"]["bestFrame"]["url"], timeout=30)
    assert md5_hex(frame.content) == result["media"]["bestFrame"]["md5"]
    assert len(relay.faceid_calls("ApplyWebVerificationToken")) >= 1
