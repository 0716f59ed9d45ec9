"""Log lines never carry a secret: checked on the JSON the shared Powertools logger really emits, including
the lines the COS and FaceID SDKs themselves log while signing and sending (reference peers.md §6.4)."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from faceid_relay.observability import REDACTED, THIRD_PARTY_LOGGERS, logger, redact

SECRET_ID = "AKIDexampleSecretId00000000000000000"
SECRET_KEY = "ExampleSecretKeyValue0000000000000"
SESSION_TOKEN = "ExampleSessionTokenValue_5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f"
Q_SIGNATURE = "32302bad71219f9ebcae6f4703ae05b0ae33378f"
TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
IMAGE_BASE64 = (
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMU"
    "FRUVDA8XGBYUGBIUFRT/"
)
PRESIGNED_URL = (
    "https://faceid-relay-1250000000.cos.ap-singapore.myqcloud.com/uploads/compare-image/0123?"
    f"q-sign-algorithm=sha1&q-ak={SECRET_ID}&q-sign-time=1637205677%3B1637212877&q-key-time=1637205677%3B1637212877"
    f"&q-header-list=host&q-url-param-list=x-cos-security-token&q-signature={Q_SIGNATURE}"
    f"&x-cos-security-token={SESSION_TOKEN}"
)
SECRETS = (SECRET_KEY, SESSION_TOKEN, Q_SIGNATURE, IMAGE_BASE64[:40])


class Emitted:
    """What the shared logger's handler wrote, as text and as parsed JSON lines."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def assert_no_secret(self, *secrets: str) -> None:
        for secret in secrets or SECRETS:
            assert secret not in self.text


@contextmanager
def capture(*, third_party_level: int | None = None) -> Iterator[Emitted]:
    """Point the real handler at memory (and let the SDK loggers through at a level) for the duration."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous_stream = handler.setStream(stream)
    previous_levels = {name: logging.getLogger(name).level for name in THIRD_PARTY_LOGGERS}
    try:
        if third_party_level is not None:
            for name in THIRD_PARTY_LOGGERS:
                logging.getLogger(name).setLevel(third_party_level)
        yield Emitted(stream)
    finally:
        handler.setStream(previous_stream)
        for name, level in previous_levels.items():
            logging.getLogger(name).setLevel(level)


def test_a_presigned_url_keeps_its_place_but_loses_signature_and_token() -> None:
    with capture() as emitted:
        logger.info("upload issued", extra={"upload_url": PRESIGNED_URL, "key": "uploads/compare-image/0123"})
    [line] = emitted.lines()
    url = str(line["upload_url"])
    assert url.startswith(
        "https://faceid-relay-1250000000.cos.ap-singapore.myqcloud.com/uploads/compare-image/0123?"
    )
    assert f"q-signature={REDACTED}" in url
    assert f"x-cos-security-token={REDACTED}" in url
    assert line["key"] == "uploads/compare-image/0123"
    emitted.assert_no_secret()


def test_headers_lose_authorization_and_tokens_in_every_shape() -> None:
    tc3 = (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2026-11-23/faceid/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={Q_SIGNATURE}{Q_SIGNATURE[:24]}"
    )
    cos = f"q-sign-algorithm=sha1&q-ak={SECRET_ID}&q-sign-time=1;2&q-key-time=1;2&q-signature={Q_SIGNATURE}"
    with capture() as emitted:
        logger.info("faceid call", extra={"headers": {"Authorization": tc3, "X-TC-Token": SESSION_TOKEN}})
        logger.info(
            "cos call", extra={"headers": {"authorization": cos, "x-cos-security-token": SESSION_TOKEN}}
        )
        logger.info("raw headers: %s", {"Authorization": cos, "x-cos-security-token": SESSION_TOKEN})
        logger.info(
            f"Authorization: {tc3}\nX-TC-Token: {SESSION_TOKEN}\nHost: faceid.intl.tencentcloudapi.com"
        )
        logger.info("app call", extra={"authorization": f"Bearer {SESSION_TOKEN}"})
    first, second, third, fourth, fifth = emitted.lines()
    assert first["headers"] == {"Authorization": REDACTED, "X-TC-Token": REDACTED}
    assert second["headers"] == {"authorization": REDACTED, "x-cos-security-token": REDACTED}
    assert (
        third["message"]
        == f"raw headers: {{'Authorization': '{REDACTED}', 'x-cos-security-token': '{REDACTED}'}}"
    )
    assert (
        fourth["message"]
        == f"Authorization: {REDACTED}\nX-TC-Token: {REDACTED}\nHost: faceid.intl.tencentcloudapi.com"
    )
    assert fifth["authorization"] == REDACTED
    emitted.assert_no_secret()


def test_secret_keys_and_base64_fields_are_removed_wherever_they_are() -> None:
    faceid_answer = {
        "ErrorCode": 0,
        "BestFrameBase64": IMAGE_BASE64,
        "VideoBase64": IMAGE_BASE64,
        "isBase64Encoded": False,
    }
    with capture() as emitted:
        logger.info("config", extra={"secret_key": SECRET_KEY, "TENCENTCLOUD_SESSIONTOKEN": SESSION_TOKEN})
        logger.info(f"credential SecretKey={SECRET_KEY} token sessionToken: {SESSION_TOKEN}")
        logger.info(faceid_answer)
        logger.info(json.dumps({"Response": faceid_answer}))
        logger.info(
            "body %s", json.dumps({"CompareImageBase64": IMAGE_BASE64, "RedirectURL": "https://x/callback"})
        )
    config, text, answer, answer_json, body = emitted.lines()
    assert config["secret_key"] == config["TENCENTCLOUD_SESSIONTOKEN"] == REDACTED
    assert text["message"] == f"credential SecretKey={REDACTED} token sessionToken: {REDACTED}"
    assert answer["message"] == {
        "ErrorCode": 0,
        "BestFrameBase64": REDACTED,
        "VideoBase64": REDACTED,
        "isBase64Encoded": False,
    }
    assert answer_json["message"] == {"Response": answer["message"]}
    assert body["message"] == 'body {"CompareImageBase64": "<redacted>", "RedirectURL": "https://x/callback"}'
    emitted.assert_no_secret()


def test_long_unnamed_base64_goes_but_ids_keys_and_digests_stay() -> None:
    request_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    record_key = f"upload-records/compare-image/{MD5}/{MD5}-1234.json"
    with capture() as emitted:
        logger.info(f"got {IMAGE_BASE64} for {TOKEN} md5 {MD5} hash {request_hash} record {record_key}")
    [line] = emitted.lines()
    assert line["message"] == f"got {REDACTED} for {TOKEN} md5 {MD5} hash {request_hash} record {record_key}"


def test_exception_text_and_stack_traces_are_redacted() -> None:
    with capture() as emitted:
        try:
            raise RuntimeError(f"cannot sign with SecretKey={SECRET_KEY}")
        except RuntimeError:
            logger.exception("signing failed")
    [line] = emitted.lines()
    assert f"SecretKey={REDACTED}" in str(line["exception"])
    emitted.assert_no_secret()


def test_a_real_cos_sdk_signing_run_logs_nothing_secret() -> None:
    """qcloud_cos logs the request, its signing key and its Authorization while it signs (cos_auth.py)."""
    from qcloud_cos import CosConfig
    from qcloud_cos.cos_auth import CosS3Auth

    config = CosConfig(Region="ap-singapore", SecretId=SECRET_ID, SecretKey=SECRET_KEY, Token=SESSION_TOKEN)
    request = requests.Request(
        "PUT",
        "https://faceid-relay-1250000000.cos.ap-singapore.myqcloud.com/uploads/compare-image/0123",
        headers={"x-cos-security-token": SESSION_TOKEN},
    ).prepare()
    with capture(third_party_level=logging.DEBUG) as emitted:
        CosS3Auth(config, key="uploads/compare-image/0123")(request)
        logging.getLogger("qcloud_cos.cos_client").info(
            "put object, url=:%s ,headers=:%s", PRESIGNED_URL, {"x-cos-security-token": SESSION_TOKEN}
        )
    signature = str(request.headers["Authorization"]).rpartition("q-signature=")[2]
    lines = emitted.lines()
    assert len(lines) >= 5
    assert all(line["service"] == "faceid-relay" for line in lines)
    assert any(f"'Authorization': '{REDACTED}'" in str(line["message"]) for line in lines)
    emitted.assert_no_secret(SECRET_KEY, SESSION_TOKEN, Q_SIGNATURE, signature)


def test_a_real_faceid_sdk_request_logs_nothing_secret() -> None:
    """The tencentcloud SDK logs the whole request (Authorization, X-TC-Token, body) before sending it."""
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    nowhere = HttpProfile(endpoint="127.0.0.1:9", protocol="http", reqTimeout=2)
    client = CommonClient(
        "faceid",
        "2018-03-01",
        credential.Credential(SECRET_ID, SECRET_KEY, SESSION_TOKEN),
        "ap-singapore",
        ClientProfile(httpProfile=nowhere),
    )
    with capture(third_party_level=logging.DEBUG) as emitted, pytest.raises(TencentCloudSDKException):
        client.call_json(
            "ApplyWebVerificationBizTokenIntl",
            {"RedirectURL": "https://x/callback", "CompareImageBase64": IMAGE_BASE64},
        )
    [line] = [line for line in emitted.lines() if "SendRequest" in str(line["message"])]
    message = str(line["message"])
    assert f"Authorization: {REDACTED}" in message
    assert f"X-TC-Token: {REDACTED}" in message
    assert f'"CompareImageBase64": "{REDACTED}"' in message
    emitted.assert_no_secret()


def test_lines_go_only_through_the_redacting_handler() -> None:
    reached_root: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            reached_root.append(record)

    collect = Collect()
    logging.getLogger().addHandler(collect)
    try:
        with capture() as emitted:
            logging.getLogger("qcloud_cos.cos_client").critical("retry %s", PRESIGNED_URL)
            logging.getLogger("tencentcloud_sdk_common").warning("x-cos-security-token=%s", SESSION_TOKEN)
            logger.warning("issued", extra={"url": PRESIGNED_URL})
    finally:
        logging.getLogger().removeHandler(collect)
    assert not reached_root
    assert len(emitted.lines()) == 3
    emitted.assert_no_secret()


def test_cos_sdk_errors_for_expected_answers_stay_quiet() -> None:
    # qcloud_cos logs every 404/409 at ERROR; storage.py decides what they mean.
    with capture() as emitted:
        logging.getLogger("qcloud_cos.cos_client").error("<Error><Code>NoSuchKey</Code></Error>")
    assert emitted.text == ""


def test_sdk_info_lines_stay_quiet_at_the_default_level() -> None:
    with capture() as emitted:
        logging.getLogger("qcloud_cos.cos_client").info("put object, url=:%s", PRESIGNED_URL)
    assert emitted.text == ""


_TOKEN_TEXT = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=%_-.~", min_size=1, max_size=80
)


@given(token=_TOKEN_TEXT, signature=st.binary(min_size=20, max_size=20).map(bytes.hex))
def test_no_token_or_signature_value_survives(token: str, signature: str) -> None:
    place = "https://b-1250000000.cos.ap-hongkong.myqcloud.com/k"
    url = f"{place}?q-signature={signature}&x-cos-security-token={token}"
    with capture() as emitted:
        logger.info("url %s", url, extra={"url": url, "headers": {"X-TC-Token": token}})
    [line] = emitted.lines()
    redacted_url = f"{place}?q-signature={REDACTED}&x-cos-security-token={REDACTED}"
    assert (line["message"], line["url"], line["headers"]) == (
        f"url {redacted_url}",
        redacted_url,
        {"X-TC-Token": REDACTED},
    )


def test_redact_is_usable_on_any_text() -> None:
    assert redact(f"?x-cos-security-token%3D{SESSION_TOKEN}%26q-signature%3D{Q_SIGNATURE}") == (
        f"?x-cos-security-token%3D{REDACTED}"
    )


def test_a_logger_made_before_this_module_is_redacted_too() -> None:
    code = (
        "from aws_lambda_powertools import Logger; early = Logger(service='faceid-relay'); "
        "import faceid_relay.observability; "
        f"early.info('x-cos-security-token={SESSION_TOKEN}')"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "shared")}
    env.pop("POWERTOOLS_SERVICE_NAME", None)
    answer = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert json.loads(answer.stdout)["message"] == f"x-cos-security-token={REDACTED}"


@pytest.mark.parametrize(
    ("environment", "service", "namespace"),
    [
        ({}, "faceid-relay", "FaceIdRelay"),
        ({"POWERTOOLS_SERVICE_NAME": "relay-sg", "POWERTOOLS_METRICS_NAMESPACE": "Kyc"}, "relay-sg", "Kyc"),
    ],
)
def test_service_and_namespace_default_to_ours(
    environment: dict[str, str], service: str, namespace: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    env.update(environment, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "shared"))
    code = "from faceid_relay.observability import logger, metrics; print(logger.service, metrics.namespace)"
    answer = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert answer.stdout.split() == [service, namespace]
