"""The environment, read once at start: a good one becomes typed settings, a bad one stops the function with
one message naming the variable to fix, and secrets never show in either."""

from typing import Any

import pytest

from faceid_relay.models.rules import Action
from faceid_relay.settings import ConfigurationError, Settings

APP_TOKEN = "app-token-0123456789abcdefghijklmnop"
SECRET_KEY = "sk-very-secret-value-123"
SESSION_TOKEN = "session-token-very-secret-456"
ENV = {
    "RELAY_REGION": "ap-singapore",
    "RELAY_BUCKET": "faceid-relay-1250000000",
    "RELAY_ALLOWED_RETURN_ORIGINS": "https://app.example.com, https://WWW.example.com:443",
    "RELAY_CALLBACK_URL": "https://api.example.com/release/callback",
    "RELAY_APP_TOKEN": APP_TOKEN,
    "TENCENTCLOUD_SECRETID": "AKIDexample",
    "TENCENTCLOUD_SECRETKEY": SECRET_KEY,
    "TENCENTCLOUD_SESSIONTOKEN": SESSION_TOKEN,
}


def settings(**changes: str | None) -> Settings:
    env = {**ENV, **changes}
    return Settings.from_env({name: value for name, value in env.items() if value is not None})


def refusal(**changes: str | None) -> str:
    with pytest.raises(ConfigurationError) as refused:
        settings(**changes)
    return str(refused.value)


def test_a_scf_environment_becomes_typed_settings_with_defaults() -> None:
    s = settings()
    assert (s.region, s.bucket, s.appid) == ("ap-singapore", "faceid-relay-1250000000", "1250000000")
    assert s.allowed_return_origins == ("https://app.example.com", "https://www.example.com")
    assert s.callback_url == "https://api.example.com/release/callback"
    assert s.api_flavor == "live"
    assert (s.upload_url_ttl, s.provider_download_ttl, s.result_url_ttl) == (900, 1800, 300)
    assert (s.pass_threshold, s.delete_compare_image, s.cors_origins) == (70.0, False, ())
    assert (s.cos_endpoint, s.cos_public_base_url) == (None, None)
    assert (s.faceid_scheme, s.faceid_host) == ("https", "faceid.intl.tencentcloudapi.com")
    assert s.secret_id == "AKIDexample"
    assert s.secret_key.get_secret_value() == SECRET_KEY
    assert s.session_token is not None
    assert s.session_token.get_secret_value() == SESSION_TOKEN
    assert s.app_token.get_secret_value() == APP_TOKEN


def test_the_local_cloud_environment_is_accepted() -> None:
    s = settings(
        RELAY_ALLOWED_RETURN_ORIGINS="http://127.0.0.1:8000",
        RELAY_CALLBACK_URL="http://127.0.0.1:8000/callback",
        RELAY_COS_ENDPOINT="http://127.0.0.1:9000",
        RELAY_COS_PUBLIC_BASE_URL="http://127.0.0.1:9000/",
        RELAY_FACEID_ENDPOINT="http://127.0.0.1:9100",
        RELAY_API_FLAVOR="legacy",
        RELAY_CORS_ORIGINS="http://localhost:5173",
        RELAY_DELETE_COMPARE_IMAGE="true",
    )
    assert (s.cos_endpoint, s.cos_public_base_url) == ("http://127.0.0.1:9000", "http://127.0.0.1:9000")
    assert (s.faceid_scheme, s.faceid_host) == ("http", "127.0.0.1:9100")
    assert s.cors_origins == ("http://localhost:5173",)
    assert s.delete_compare_image is True
    assert s.web_actions == (Action.ApplyWebVerificationToken, Action.GetWebVerificationResult)


def test_the_seeds_faceid_host_is_one_setting_away() -> None:
    assert (
        settings(RELAY_FACEID_ENDPOINT="faceid.tencentcloudapi.com").faceid_host
        == "faceid.tencentcloudapi.com"
    )


def test_empty_variables_count_as_unset() -> None:
    # Templates pass "" for optional parameters (e.g. CorsOrigins, AppId).
    s = settings(RELAY_CORS_ORIGINS="", RELAY_APPID="", RELAY_COS_ENDPOINT="", TENCENTCLOUD_SESSIONTOKEN="")
    assert (s.cors_origins, s.appid, s.cos_endpoint, s.session_token) == ((), "1250000000", None, None)


def test_the_region_falls_back_to_tencentcloud_region() -> None:
    assert settings(RELAY_REGION=None, TENCENTCLOUD_REGION="ap-jakarta").region == "ap-jakarta"
    assert settings(TENCENTCLOUD_REGION="ap-jakarta").region == "ap-singapore"
    message = refusal(RELAY_REGION=None, TENCENTCLOUD_REGION="ap-tokyo")
    assert message.startswith("TENCENTCLOUD_REGION: 'ap-tokyo' is not one of")


def test_credentials_fall_back_to_the_sdk_names_as_a_set() -> None:
    s = settings(
        TENCENTCLOUD_SECRETID=None,
        TENCENTCLOUD_SECRETKEY=None,
        TENCENTCLOUD_SESSIONTOKEN=None,
        TENCENTCLOUD_SECRET_ID="AKIDsdk",
        TENCENTCLOUD_SECRET_KEY="sdk-key",
        TENCENTCLOUD_SESSION_TOKEN="sdk-token",
    )
    assert (s.secret_id, s.secret_key.get_secret_value()) == ("AKIDsdk", "sdk-key")
    assert s.session_token is not None
    assert s.session_token.get_secret_value() == "sdk-token"
    # SCF's own names win, and an id is never paired with the other set's key.
    assert (
        settings(TENCENTCLOUD_SECRET_ID="AKIDsdk", TENCENTCLOUD_SECRET_KEY="sdk-key").secret_id
        == "AKIDexample"
    )
    message = refusal(TENCENTCLOUD_SECRETKEY=None, TENCENTCLOUD_SECRET_KEY="sdk-key")
    assert message.startswith("TENCENTCLOUD_SECRETKEY is required")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "RELAY_REGION",
            "ap-tokyo",
            "RELAY_REGION: 'ap-tokyo' is not one of ap-bangkok, ap-hongkong, ap-jakarta, ap-singapore",
        ),
        ("RELAY_REGION", None, "RELAY_REGION is required"),
        ("RELAY_BUCKET", "Faceid_Relay", "RELAY_BUCKET: 'Faceid_Relay' is not a COS bucket name"),
        ("RELAY_BUCKET", "faceid-relay", "RELAY_BUCKET: 'faceid-relay' is not a COS bucket name"),
        ("RELAY_BUCKET", None, "RELAY_BUCKET is required"),
        (
            "RELAY_APPID",
            "1300000000",
            "RELAY_APPID: '1300000000' is not the APPID in RELAY_BUCKET (1250000000)",
        ),
        (
            "RELAY_ALLOWED_RETURN_ORIGINS",
            "http://app.example.com",
            "RELAY_ALLOWED_RETURN_ORIGINS: 'http://app.example.com' must use https",
        ),
        (
            "RELAY_ALLOWED_RETURN_ORIGINS",
            "https://a.example.com,https://b.example.com/x",
            "RELAY_ALLOWED_RETURN_ORIGINS: 'https://b.example.com/x' is not an origin",
        ),
        ("RELAY_ALLOWED_RETURN_ORIGINS", "*", "RELAY_ALLOWED_RETURN_ORIGINS: '*' is not a URL origin"),
        (
            "RELAY_CALLBACK_URL",
            "https://api.example.com/callback?x=1",
            "RELAY_CALLBACK_URL: 'https://api.example.com/callback?x=1' must have no query",
        ),
        (
            "RELAY_CALLBACK_URL",
            "http://api.example.com/callback",
            "RELAY_CALLBACK_URL: 'http://api.example.com/callback' must use https",
        ),
        (
            "RELAY_CALLBACK_URL",
            "https://api.example.com/",
            "RELAY_CALLBACK_URL: 'https://api.example.com/' must be the public URL of this deployment's GET "
            "/callback",
        ),
        ("RELAY_CALLBACK_URL", "/callback", "RELAY_CALLBACK_URL: '/callback' is not an absolute URL"),
        (
            "RELAY_API_FLAVOR",
            "v2",
            "RELAY_API_FLAVOR: 'v2' is not valid (Input should be 'live' or 'legacy')",
        ),
        ("RELAY_UPLOAD_URL_TTL", "15m", "RELAY_UPLOAD_URL_TTL: '15m' is not valid"),
        (
            "RELAY_PROVIDER_DOWNLOAD_TTL",
            "10",
            "RELAY_PROVIDER_DOWNLOAD_TTL: '10' is not valid (Input should be greater than or equal to 60)",
        ),
        ("RELAY_RESULT_URL_TTL", "999999", "RELAY_RESULT_URL_TTL: '999999' is not valid"),
        (
            "RELAY_PASS_THRESHOLD",
            "101",
            "RELAY_PASS_THRESHOLD: '101' is not valid (Input should be less than or equal to 100)",
        ),
        ("RELAY_PASS_THRESHOLD", "-1", "RELAY_PASS_THRESHOLD: '-1' is not valid"),
        ("RELAY_DELETE_COMPARE_IMAGE", "sometimes", "RELAY_DELETE_COMPARE_IMAGE: 'sometimes' is not valid"),
        ("RELAY_CORS_ORIGINS", "https://app.example.com/", None),
        (
            "RELAY_CORS_ORIGINS",
            "ftp://app.example.com",
            "RELAY_CORS_ORIGINS: 'ftp://app.example.com' must use https",
        ),
        ("RELAY_APP_TOKEN", "short", "RELAY_APP_TOKEN: must be at least 32 characters without spaces"),
        (
            "RELAY_APP_TOKEN",
            "has spaces " * 4,
            "RELAY_APP_TOKEN: must be at least 32 characters without spaces",
        ),
        ("RELAY_APP_TOKEN", None, "RELAY_APP_TOKEN is required"),
        ("RELAY_COS_ENDPOINT", "127.0.0.1:9000", "RELAY_COS_ENDPOINT: '127.0.0.1:9000'"),
        (
            "RELAY_COS_ENDPOINT",
            "http://127.0.0.1:9000/bucket",
            "RELAY_COS_ENDPOINT: 'http://127.0.0.1:9000/bucket' is not an origin",
        ),
        (
            "RELAY_COS_PUBLIC_BASE_URL",
            "ftp://127.0.0.1",
            "RELAY_COS_PUBLIC_BASE_URL: 'ftp://127.0.0.1' must use https or http",
        ),
        (
            "RELAY_FACEID_ENDPOINT",
            "http://127.0.0.1:9100/v3",
            "RELAY_FACEID_ENDPOINT: 'http://127.0.0.1:9100/v3' is not an origin",
        ),
        ("RELAY_FACEID_ENDPOINT", "faceid.intl.tencentcloudapi.com/", None),
        ("TENCENTCLOUD_SECRETID", None, "TENCENTCLOUD_SECRETID is required"),
        ("TENCENTCLOUD_SECRETID", " AKIDexample", "TENCENTCLOUD_SECRETID: has spaces around it"),
        ("TENCENTCLOUD_SECRETKEY", f"{SECRET_KEY}\n", "TENCENTCLOUD_SECRETKEY: has spaces around it"),
        ("TENCENTCLOUD_SESSIONTOKEN", f" {SESSION_TOKEN}", "TENCENTCLOUD_SESSIONTOKEN: has spaces around it"),
    ],
)
def test_each_bad_variable_is_named_in_the_message(
    variable: str, value: str | None, expected: str | None
) -> None:
    if expected is None:  # tolerated spellings
        settings(**{variable: value})
        return
    message = refusal(**{variable: value})
    assert message.startswith(expected)
    for secret in (SECRET_KEY, SESSION_TOKEN, APP_TOKEN):
        assert secret not in message


def test_several_problems_are_reported_together_each_with_its_variable() -> None:
    message = refusal(RELAY_REGION="ap-tokyo", RELAY_UPLOAD_URL_TTL="0", RELAY_APP_TOKEN=None)
    assert message.count("; ") == 2
    for variable in ("RELAY_REGION", "RELAY_UPLOAD_URL_TTL", "RELAY_APP_TOKEN"):
        assert variable in message


def test_a_missing_variable_is_explained_by_its_description() -> None:
    assert "'<name>-<appid>'" in refusal(RELAY_BUCKET=None)


def test_a_secret_value_is_never_repeated_in_a_refusal() -> None:
    wrong = "not-a-valid-token but secret"
    assert wrong not in refusal(RELAY_APP_TOKEN=wrong)


def test_repr_and_str_hide_every_secret() -> None:
    s = settings()
    for text in (repr(s), str(s), str(s.model_dump())):
        for secret in (SECRET_KEY, SESSION_TOKEN, APP_TOKEN):
            assert secret not in text


def test_settings_are_immutable() -> None:
    with pytest.raises(ValueError, match="frozen"):
        settings().region = "ap-bangkok"  # type: ignore[misc]


def test_the_legacy_flavor_cannot_run_in_bangkok() -> None:
    s = settings(RELAY_REGION="ap-bangkok", RELAY_API_FLAVOR="legacy")
    with pytest.raises(ConfigurationError) as refused:
        s.require_actions(*s.web_actions)
    message = str(refused.value)
    assert message.startswith("RELAY_REGION: ap-bangkok cannot serve ApplyWebVerificationToken")
    assert "ap-jakarta, ap-singapore" in message
    assert "RELAY_API_FLAVOR=live" in message


@pytest.mark.parametrize(
    ("region", "actions"),
    [
        ("ap-jakarta", (Action.GenerateReflectSequence,)),
        ("ap-jakarta", (Action.DetectReflectLivenessAndCompare,)),
        ("ap-jakarta", (Action.CreateUploadUrl,)),
        ("ap-hongkong", (Action.ApplyWebVerificationToken, Action.GetWebVerificationResult)),
    ],
)
def test_a_region_that_cannot_serve_an_action_fails_at_start(
    region: str, actions: tuple[Action, ...]
) -> None:
    with pytest.raises(ConfigurationError, match=f"^RELAY_REGION: {region} cannot serve {actions[0]}"):
        settings(RELAY_REGION=region).require_actions(*actions)


@pytest.mark.parametrize("region", ["ap-bangkok", "ap-hongkong", "ap-jakarta", "ap-singapore"])
def test_the_live_web_flow_is_served_in_every_region(region: str) -> None:
    s = settings(RELAY_REGION=region)
    s.require_actions(*s.web_actions)


@pytest.mark.parametrize("variable", ["RELAY_CALLBACK_URL", "RELAY_ALLOWED_RETURN_ORIGINS"])
def test_issuing_web_verifications_needs_a_callback_and_return_origins(variable: str) -> None:
    # Functions that never issue (the callback itself, result reads, the app-SDK flow) start without them.
    s = settings(**{variable: None})
    s.require_actions(Action.GetWebVerificationResultIntl, Action.GenerateReflectSequence)
    with pytest.raises(
        ConfigurationError, match=f"^{variable} is required to call ApplyWebVerificationBizTokenIntl"
    ):
        s.require_actions(*s.web_actions)


def test_every_variable_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.alias, name
        assert field.description, field.alias


def test_from_env_reads_the_process_environment_by_default(monkeypatch: Any) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RELAY_REGION", "ap-hongkong")
    assert Settings.from_env().region == "ap-hongkong"


WEBHOOK_SECRET = "whsec-0123456789abcdefghijklmnopqrstuv"
OLD_WEBHOOK_SECRET = "whsec-old-0123456789abcdefghijklmnopqr"


def test_without_a_webhook_url_there_are_no_webhooks() -> None:
    s = settings()

    assert (s.webhook_url, s.webhook_secrets) == (None, ())


def test_a_webhook_url_with_one_or_two_secrets_is_accepted_newest_first() -> None:
    one = settings(
        RELAY_WEBHOOK_URL="https://app.example.com/hooks/faceid", RELAY_WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    rotating = settings(
        RELAY_WEBHOOK_URL="http://127.0.0.1:8000/_webhooks",
        RELAY_WEBHOOK_SECRET=f"{WEBHOOK_SECRET},{OLD_WEBHOOK_SECRET}",
    )

    assert (one.webhook_url, one.webhook_secrets) == (
        "https://app.example.com/hooks/faceid",
        (WEBHOOK_SECRET,),
    )
    assert rotating.webhook_secrets == (WEBHOOK_SECRET, OLD_WEBHOOK_SECRET)


@pytest.mark.parametrize(
    "url",
    [
        "http://app.example.com/hooks",
        "ftp://app.example.com/hooks",
        "https://user:pw@app.example.com/",
        "hooks",
    ],
)
def test_a_webhook_url_must_be_https_except_on_loopback(url: str) -> None:
    message = refusal(RELAY_WEBHOOK_URL=url, RELAY_WEBHOOK_SECRET=WEBHOOK_SECRET)

    assert message.startswith("RELAY_WEBHOOK_URL:")


def test_a_webhook_url_needs_its_secret() -> None:
    assert "RELAY_WEBHOOK_SECRET is required with RELAY_WEBHOOK_URL" in refusal(
        RELAY_WEBHOOK_URL="https://app.example.com/hooks"
    )


@pytest.mark.parametrize(
    "secret",
    [
        "short",
        f"{WEBHOOK_SECRET},short",
        f"{WEBHOOK_SECRET},{OLD_WEBHOOK_SECRET},{WEBHOOK_SECRET}x",
        " " * 40,
    ],
)
def test_a_weak_or_malformed_webhook_secret_is_refused_without_being_repeated(secret: str) -> None:
    message = refusal(RELAY_WEBHOOK_URL="https://app.example.com/hooks", RELAY_WEBHOOK_SECRET=secret)

    assert message.startswith("RELAY_WEBHOOK_SECRET: must be one secret of at least 32 characters")
    assert WEBHOOK_SECRET not in message
