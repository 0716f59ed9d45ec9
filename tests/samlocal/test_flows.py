"""Both flows end to end on the AWS stack alone, each function in SAM's runtime emulator against the local
cloud: the web flow (upload, verification, FaceID page, callback, stored result) and the app-SDK flow
(uploads, light sequence, liveness comparison), and the sweeper's scheduled run. COS cannot notify Lambda,
so nothing runs HashOnUpload here: the flows hash each upload on first use."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import tomllib

from deploy.samlocal import ROOT
from deploy.samlocal.lambdas import WarmFunctions, function_name, sample_event
from tests.integration.relay import binary_blob, complete_on_faceid, md5_hex, photo
from tests.samlocal.relay import SamRelay


def template_parameters() -> dict[str, str]:
    """samconfig.toml's parameter overrides, which `sam local` uses as the stack's parameters."""
    with (ROOT / "samconfig.toml").open("rb") as file:
        overrides = tomllib.load(file)["default"]["local_invoke"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in overrides.split())


@pytest.fixture
def relay(functions: WarmFunctions) -> SamRelay:
    return SamRelay(functions)


def test_web_verification_passes_and_its_result_is_stored(relay: SamRelay) -> None:
    parameters = template_parameters()
    return_url = f"{parameters['AllowedReturnOrigins']}/kyc/done"
    key = relay.upload("compare-image", photo(), "image/jpeg")

    issued = relay.call(
        "token_issuance", {"compareImageKey": key, "returnUrl": return_url, "reference": "o-42"}
    )
    assert issued.status == 200, issued.body
    callback_url = complete_on_faceid(issued.body["verificationUrl"], "pass")
    assert callback_url.startswith(f"{parameters['CallbackUrl']}?")
    token = parse_qs(urlsplit(callback_url).query)["token"][0]
    back = relay.call("redirect_callback", biz_token=token)

    assert back.status == 302
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == return_url
    assert parse_qs(location.query) == {"status": ["passed"], "reference": ["o-42"]}
    result = relay.call("result_read", biz_token=token)
    assert result.status == 200, result.body
    assert (result.body["status"], result.body["reference"]) == ("passed", "o-42")
    best_frame = result.body["media"]["bestFrame"]
    image = requests.get(best_frame["url"], timeout=30)
    assert image.content[:3] == b"\xff\xd8\xff"
    assert md5_hex(image.content) == best_frame["md5"]


def test_app_sdk_liveness_passes_with_a_light_sequence(relay: SamRelay) -> None:
    device_data = relay.upload("device-data", binary_blob(), "application/octet-stream")

    sequence = relay.call("sequence_generation", {"deviceDataKey": device_data, "securityLevel": "4"})
    assert sequence.status == 200, sequence.body
    body = requests.get(sequence.body["reflectSequenceUrl"], timeout=30)
    assert md5_hex(body.content) == sequence.body["reflectSequenceMd5"]
    live_data = relay.upload("live-data", binary_blob(), "application/octet-stream")
    image = relay.upload("compare-image", photo(), "image/jpeg")
    comparison = relay.call("liveness_compare", {"liveDataKey": live_data, "imageKey": image})

    assert comparison.status == 200, comparison.body
    assert (comparison.body["result"], comparison.body["passed"]) == ("Success", True)
    frame = requests.get(comparison.body["bestFrame"]["url"], timeout=30)
    assert frame.content[:3] == b"\xff\xd8\xff"
    assert md5_hex(frame.content) == comparison.body["bestFrame"]["md5"]


def test_the_scheduled_sweep_runs(functions: WarmFunctions) -> None:
    report = functions.invoke(
        function_name("lifecycle_sweeper"), sample_event("lifecycle_sweeper.eventbridge-schedule.json")
    )

    assert "error" not in report, report
