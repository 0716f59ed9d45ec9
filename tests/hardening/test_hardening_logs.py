"""Log leaks: after the integration suite's kinds of traffic, faults included, at the default level and at
DEBUG, no line the functions wrote holds a credential, a signature or image data."""

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from localcloud import accounts
from localcloud.faceid import media
from tests.hardening.harness import FIGURES, Bucket, clear_faults, drain
from tests.integration.relay import Relay, as_base64_text, binary_blob, md5_hex, photo

# Lines `python -m localcloud` prints about itself when it starts (a local banner, not a function's log).
BANNER = re.compile(r"^(faceid-relay local cloud is up:|Open http\S+ in a browser|\s+\w+\s+\S+)$")
# Signatures whatever key made them: COS q-sign (Authorization headers and presigned URLs) and TC3.
SIGNATURE_PATTERNS = (
    re.compile(r"q-signature=[0-9a-f]{40}", re.IGNORECASE),
    re.compile(r"Signature=[0-9a-f]{64}"),
)
FUNCTIONS = (
    "presign_upload",
    "hash_on_upload",
    "sequence_generation",
    "liveness_compare",
    "token_issuance",
    "redirect_callback",
    "result_read",
)


def base64_samples(data: bytes) -> list[str]:
    """40 base64 characters from the start, middle and end of the data's encoding."""
    encoded = base64.b64encode(data).decode()
    return [encoded[offset : offset + 40] for offset in (0, len(encoded) // 2 // 4 * 4, len(encoded) - 44)]


@dataclass
class Secrets:
    """What must never appear in a log line."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, value: str | None) -> None:
        if value:
            self.values[value] = kind

    def add_signed_url(self, url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        for signature in query.get("q-signature", []):
            self.add("q-signature of a URL handed out", signature)
        for token in query.get("x-cos-security-token", []):
            self.add("security token in a URL", token)

    def found_in(self, line: str) -> list[str]:
        leaks = [kind for value, kind in self.values.items() if value in line]
        leaks += [
            f"signature ({pattern.pattern[:20]}...)" for pattern in SIGNATURE_PATTERNS if pattern.search(line)
        ]
        return leaks


def known_secrets(relay: Relay) -> Secrets:
    secrets = Secrets()
    for pair in accounts.KEYS:
        secrets.add("secret key", pair.secret_key)
        secrets.add("security token", pair.token)
    secrets.add("app token", relay.stack.app_token)
    for name, data in (
        ("photo", photo()),
        ("best frame", media.best_frame_jpeg()),
        ("video", media.liveness_video_mp4()),
    ):
        for sample in base64_samples(data):
            secrets.add(f"base64 of the {name}", sample)
    return secrets


def function_lines(relay: Relay) -> list[str]:
    return [line for line in relay.stack.log_text().splitlines() if line.strip() and not BANNER.match(line)]


def upload_direct(relay: Relay, secrets: Secrets, purpose: str, data: bytes, content_type: str) -> str:
    answer = relay.post(
        "/uploads", {"purpose": purpose, "size": len(data), "contentType": content_type, "md5": md5_hex(data)}
    )
    assert answer.status_code == 200, answer.text
    upload = answer.json()
    secrets.add_signed_url(upload["uploadUrl"])
    assert (
        requests.put(upload["uploadUrl"], data=data, headers=upload["headers"], timeout=30).status_code == 200
    )
    drain(relay.stack)
    return str(upload["key"])


def web_flow(relay: Relay, secrets: Secrets, choice: str, image: str | None) -> None:
    issued = relay.start_verification(image, reference=f"logs-{choice}", extra="extra-data")
    callback_url = relay.complete_on_faceid(issued["verificationUrl"], choice)
    for _ in range(2):
        assert relay.callback(callback_url).status_code == 302
    result = relay.get(f"/verifications/{issued['bizToken']}").json()
    for link in result["media"].values():
        secrets.add_signed_url(link["url"])


def app_sdk_flows(relay: Relay, secrets: Secrets) -> None:
    device = upload_direct(relay, secrets, "device-data", binary_blob(), "application/octet-stream")
    sequence = relay.post("/sequences", {"deviceDataKey": device, "securityLevel": 2})
    assert sequence.status_code == 200, sequence.text
    secrets.add_signed_url(sequence.json()["reflectSequenceUrl"])
    image = upload_direct(relay, secrets, "compare-image", photo(), "image/jpeg")
    for outcome in ("Success", "FailedOperation.LivessDetectFake"):
        # Live data is single-use: each comparison gets its own.
        live = upload_direct(relay, secrets, "live-data", binary_blob(), "application/octet-stream")
        relay.stack.control(
            "faceid", "outcomes", {"action": "DetectReflectLivenessAndCompare", "result": outcome}
        )
        comparison = relay.post("/liveness-comparisons", {"liveDataKey": live, "imageKey": image})
        assert comparison.status_code == 200, comparison.text
        if comparison.json()["bestFrame"] is not None:
            secrets.add_signed_url(comparison.json()["bestFrame"]["url"])
        assert relay.get(f"/liveness-comparisons/{comparison.json()['id']}").status_code == 200
    data = binary_blob()
    faceid_upload = relay.request_faceid_upload(data).json()
    secrets.add_signed_url(faceid_upload["uploadUrl"])
    secrets.add_signed_url(faceid_upload["resourceUrl"])
    assert requests.put(faceid_upload["uploadUrl"], data=data, timeout=30).status_code == 200
    by_url = relay.post(
        "/sequences", {"deviceDataUrl": faceid_upload["resourceUrl"], "deviceDataMd5": md5_hex(data)}
    )
    assert by_url.status_code == 200, by_url.text


def error_paths(relay: Relay, secrets: Secrets, image: str, apply: str) -> None:
    """Refusals, and faults whose errors are logged with their stack traces and causes."""
    text = upload_direct(relay, secrets, "compare-image", as_base64_text(photo()), "image/jpeg")
    assert (
        relay.post(
            "/verifications", {"compareImageKey": text, "returnUrl": f"{relay.base}/demo/result"}
        ).status_code
        == 422
    )
    assert (
        relay.callback(f"{relay.base}/callback?token=81EEF678-28EE-4759-A82E-6CBBBE6BC442").status_code == 404
    )
    assert (
        requests.post(
            f"{relay.base}/uploads", json={}, headers={"Authorization": "Bearer wrong"}, timeout=30
        ).status_code
        == 401
    )
    assert (
        requests.post(f"{relay.base}/uploads", data=b"{", headers=relay.auth, timeout=30).status_code == 400
    )
    # The COS trigger event of an upload made with a signed Authorization header (the account's own key).
    Bucket(relay.stack).put(f"uploads/compare-image/{'0' * 32}", photo(), "image/jpeg")
    drain(relay.stack)
    body = {"compareImageKey": image, "returnUrl": f"{relay.base}/demo/result"}
    faults: list[tuple[str, dict[str, Any]]] = [
        (
            "cos",
            {
                "method": "GET",
                "key_prefix": "upload-records/",
                "status": 500,
                "code": "InternalError",
                "count": 2,
            },
        ),
        ("faceid", {"action": apply, "error_code": "AuthFailure.SignatureFailure"}),
        ("faceid", {"action": apply, "drop_connection": True}),
        ("faceid", {"action": apply, "http_status": 502}),
    ]
    for service, fault in faults:
        relay.stack.control(service, "faults", fault)
        try:
            assert relay.post("/verifications", body).status_code >= 500
        finally:
            clear_faults(relay.stack)


def legacy_flow(relay: Relay, secrets: Secrets) -> None:
    image = upload_direct(relay, secrets, "compare-image", photo(), "image/jpeg")
    for choice in ("pass", "fail"):
        web_flow(relay, secrets, choice, image)
    error_paths(relay, secrets, image, "ApplyWebVerificationToken")


@dataclass(frozen=True)
class Deployment:
    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    traffic: Callable[[Relay, Secrets], None]


def live_traffic(relay: Relay, secrets: Secrets) -> None:
    app_sdk_flows(relay, secrets)
    image = upload_direct(relay, secrets, "compare-image", photo(), "image/jpeg")
    for choice in ("pass", "fail", "spoof"):
        web_flow(relay, secrets, choice, image)
    web_flow(relay, secrets, "pass", None)
    error_paths(relay, secrets, image, "ApplyWebVerificationBizTokenIntl")


DEBUG = {"POWERTOOLS_LOG_LEVEL": "DEBUG"}
DEPLOYMENTS = [
    Deployment("live flavor, SCF Function URL, default level", (), {}, live_traffic),
    Deployment("live flavor, Lambda REST, DEBUG", ("--shape", "lambda-v1"), DEBUG, live_traffic),
    Deployment(
        "legacy flavor, SCF API Gateway, DEBUG",
        ("--flavor", "legacy", "--shape", "scf-apigw"),
        DEBUG,
        legacy_flow,
    ),
]


@dataclass(frozen=True)
class Run:
    relay: Relay
    secrets: Secrets
    lines: list[str]


@pytest.fixture(scope="module", params=DEPLOYMENTS, ids=[d.name for d in DEPLOYMENTS])
def run(request: pytest.FixtureRequest, start_stack: Callable[..., Relay]) -> Run:
    deployment: Deployment = request.param
    relay = start_stack(*deployment.args, env=deployment.env)
    secrets = known_secrets(relay)
    deployment.traffic(relay, secrets)
    drain(relay.stack)
    return Run(relay, secrets, function_lines(relay))


def test_the_log_holds_what_the_functions_said(run: Run) -> None:
    logged = {name for name in FUNCTIONS for line in run.lines if f'"function_name":"{name}"' in line}

    assert logged >= {"hash_on_upload", "token_issuance"}
    assert any('"level":"ERROR"' in line and '"exception":"Traceback' in line for line in run.lines)


def test_no_log_line_holds_a_secret_a_signature_or_image_data(run: Run) -> None:
    leaks = {
        f"line {number}: {kind}": line[:300]
        for number, line in enumerate(run.lines, 1)
        for kind in run.secrets.found_in(line)
    }
    FIGURES["log lines scanned"] += len(run.lines)
    FIGURES["leaks found"] += len(leaks)

    assert leaks == {}


@pytest.mark.parametrize(
    "line",
    [
        f"key {accounts.TEMPORARY.secret_key}",
        f"x-cos-security-token={accounts.TEMPORARY.token}",
        "Authorization: Bearer local-dev-app-token-000000000000000000",
        "url ...&q-signature=" + "a" * 40,
        "TC3-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=" + "b" * 64,
        "image " + base64.b64encode(photo()).decode()[:60],
        "frame " + base64.b64encode(media.best_frame_jpeg()).decode()[-60:],
    ],
)
def test_the_search_finds_each_kind_of_secret(line: str) -> None:
    secrets = Secrets()
    for pair in accounts.KEYS:
        secrets.add("secret key", pair.secret_key)
        secrets.add("security token", pair.token)
    secrets.add("app token", "local-dev-app-token-000000000000000000")
    for data in (photo(), media.best_frame_jpeg()):
        for sample in base64_samples(data):
            secrets.add("image", sample)

    assert secrets.found_in(line)
