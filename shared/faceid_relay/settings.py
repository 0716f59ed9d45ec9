"""The deployment's environment as one validated, immutable model, read once at cold start.

A wrong value stops the function at start with one message naming the variable, not at the first request."""

import os
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import Url

from faceid_relay.models.rules import (
    ACTION_REGIONS,
    REGIONS,
    WEB_ACTIONS,
    Action,
    ApiFlavor,
    Region,
    WebActions,
    parse_origin,
    split_bucket,
)

DEFAULT_FACEID_ENDPOINT = "faceid.intl.tencentcloudapi.com"
MIN_APP_TOKEN_LENGTH = 32
MIN_WEBHOOK_SECRET_LENGTH = 32
MAX_WEBHOOK_SECRETS = 2  # the new one and the old one, while receivers change over
CALLBACK_PATH = "/callback"
# The largest request (POST /verifications: a 2,048-character returnUrl, 1,000 characters of extra, each
# possibly a 12-byte \uXXXX\uXXXX escape) stays under 16 KB.
DEFAULT_MAX_BODY_BYTES = 32 * 1024

# SCF injects the execution role's credentials under these names (reference §4.2); the SDK's own environment
# provider reads only the second set and no token (reference §0.5), so we read both, SCF's first.
SCF_CREDENTIAL_VARIABLES = ("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN")
SDK_CREDENTIAL_VARIABLES = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN")
# SCF probably sets TENCENTCLOUD_REGION, but no Tencent page confirms it (reference §4.2): RELAY_REGION first.
REGION_VARIABLES = ("RELAY_REGION", "TENCENTCLOUD_REGION")
# The actions that hand FaceID our callback URL and take a returnUrl.
ISSUING_ACTIONS = frozenset(actions.issue for actions in WEB_ACTIONS.values())


# How long a presigned URL may work: a minute to a day.
UrlLifetime = Annotated[int, Field(ge=60, le=86_400)]


def _endpoint_url(value: str) -> Url:
    """An absolute URL with an origin's scheme and host rule (parse_origin), for an endpoint with a path."""
    try:
        url = Url(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an absolute URL") from None
    try:
        parse_origin(f"{url.scheme}://{url.host}:{url.port}")
    except ValueError:
        raise ValueError(
            f"{value!r} must use https (http only for 127.0.0.1, localhost or [::1]) and a host "
            "without a trailing dot"
        ) from None
    return url


def _callback_url(value: str) -> str:
    url = _endpoint_url(value)
    if url.username or url.password:
        raise ValueError(f"{value!r} must be an https URL without user name or password")
    if url.query is not None or url.fragment is not None:
        raise ValueError(f"{value!r} must have no query or fragment: FaceID appends ?token=<BizToken> itself")
    if not (url.path or "").endswith(CALLBACK_PATH):
        raise ValueError(f"{value!r} must be the public URL of this deployment's GET {CALLBACK_PATH}")
    return str(url)


def _webhook_url(value: str) -> str:
    url = _endpoint_url(value)
    if url.username or url.password or url.fragment is not None:
        raise ValueError(f"{value!r} must have no user name, password or fragment")
    return str(url)


CallbackUrl = Annotated[str, AfterValidator(_callback_url)]
WebhookUrl = Annotated[str, AfterValidator(_webhook_url)]


class ConfigurationError(Exception):
    """The deployment's environment is wrong; the message names the variable and what it must be."""


class Settings(BaseModel):
    """Every setting of a deployment; each field's alias is the environment variable that sets it."""

    model_config = ConfigDict(
        frozen=True, validate_by_alias=True, validate_by_name=True, extra="forbid", hide_input_in_errors=True
    )

    region: Region = Field(
        alias="RELAY_REGION",
        description=(
            "Region of this deployment, its bucket and its FaceID calls: one of ap-bangkok, ap-hongkong, "
            "ap-jakarta, ap-singapore. Falls back to TENCENTCLOUD_REGION."
        ),
    )
    bucket: str = Field(
        alias="RELAY_BUCKET",
        description="The deployment's COS bucket in its region, '<name>-<appid>', e.g. relay-1250000000.",
    )
    appid: str = Field(
        "",
        alias="RELAY_APPID",
        validate_default=True,
        description="Optional: the account's APPID; taken from RELAY_BUCKET, and must match it when given.",
    )
    allowed_return_origins: tuple[str, ...] = Field(
        (),
        alias="RELAY_ALLOWED_RETURN_ORIGINS",
        description=(
            "Comma-separated exact origins a verification's returnUrl may point to, e.g. "
            "https://app.example.com,https://www.example.com (http only for 127.0.0.1, localhost, [::1]). "
            "Required where web verifications are issued."
        ),
    )
    callback_url: CallbackUrl | None = Field(
        None,
        alias="RELAY_CALLBACK_URL",
        description=(
            "Public URL of this deployment's GET /callback, handed to FaceID as the redirect target "
            "(https, or http on loopback; no query: FaceID appends ?token=). "
            "Required where web verifications are issued."
        ),
    )
    api_flavor: ApiFlavor = Field(
        "live",
        alias="RELAY_API_FLAVOR",
        description=(
            "Web flow: live (ApplyWebVerificationBizTokenIntl + GetWebVerificationResultIntl) or legacy "
            "(ApplyWebVerificationToken + GetWebVerificationResult, removed from the intl SDK)."
        ),
    )
    upload_url_ttl: UrlLifetime = Field(
        900, alias="RELAY_UPLOAD_URL_TTL", description="Seconds a presigned upload URL works."
    )
    provider_download_ttl: UrlLifetime = Field(
        1800,
        alias="RELAY_PROVIDER_DOWNLOAD_TTL",
        description="Seconds a presigned GET handed to FaceID works; must cover FaceID's download.",
    )
    result_url_ttl: UrlLifetime = Field(
        300,
        alias="RELAY_RESULT_URL_TTL",
        description="Seconds a presigned GET of stored results (sequence, best frame, media) works.",
    )
    pass_threshold: float = Field(
        70.0,
        ge=0,
        le=100,
        alias="RELAY_PASS_THRESHOLD",
        description="Similarity (0-100) from which a liveness comparison passes; FaceID recommends 70.",
    )
    delete_compare_image: bool = Field(
        False,
        alias="RELAY_DELETE_COMPARE_IMAGE",
        description="true: delete the compare image once its verification is final.",
    )
    cors_origins: tuple[str, ...] = Field(
        (),
        alias="RELAY_CORS_ORIGINS",
        description="Comma-separated exact origins browsers may call the API from; empty turns CORS off.",
    )
    app_token: SecretStr = Field(
        alias="RELAY_APP_TOKEN",
        description=f"Bearer token of your app backend: {MIN_APP_TOKEN_LENGTH}+ characters, no spaces.",
    )
    result_check_interval: int = Field(
        2,
        ge=1,
        le=300,
        alias="RELAY_RESULT_CHECK_INTERVAL",
        description=(
            "Seconds: FaceID is asked for a pending verification's result at most once per window of this "
            "length per BizToken, across all instances (other callbacks and reads in it answer pending)."
        ),
    )
    max_body_bytes: int = Field(
        DEFAULT_MAX_BODY_BYTES,
        ge=16 * 1024,
        le=6 * 1024 * 1024,
        alias="RELAY_MAX_BODY_BYTES",
        description=(
            "Largest request body, in bytes, a function reads; a larger one is answered 413 ContentTooLarge "
            "before it is parsed. Bodies nested too deep or holding an over-long integer are refused "
            "with 400 InvalidRequest (limits in http_api.parse_json_body)."
        ),
    )
    webhook_url: WebhookUrl | None = Field(
        None,
        alias="RELAY_WEBHOOK_URL",
        description=(
            "Where webhook events are POSTed (https; http only for 127.0.0.1, localhost or [::1]). "
            "Unset: no webhooks."
        ),
    )
    webhook_secret: SecretStr | None = Field(
        None,
        alias="RELAY_WEBHOOK_SECRET",
        description=(
            "Key the FaceID-Relay-Signature header is computed with: "
            f"{MIN_WEBHOOK_SECRET_LENGTH}+ characters, no spaces or commas. While rotating, give "
            "'new,old': every delivery is signed with both, so receivers may switch at any time. "
            "Required with RELAY_WEBHOOK_URL."
        ),
    )
    cos_endpoint: str | None = Field(
        None,
        alias="RELAY_COS_ENDPOINT",
        description=(
            "Local cloud only: scheme://host[:port] the COS client connects to (e.g. http://127.0.0.1:9000), "
            "sending production Host headers."
        ),
    )
    cos_public_base_url: str | None = Field(
        None,
        alias="RELAY_COS_PUBLIC_BASE_URL",
        description="Local cloud only: presigned URLs handed to clients become path-style on this scheme://host[:port].",
    )
    faceid_endpoint: str = Field(
        DEFAULT_FACEID_ENDPOINT,
        alias="RELAY_FACEID_ENDPOINT",
        validate_default=True,
        description=(
            "FaceID API host (the intl SDK's default; the seeds used faceid.tencentcloudapi.com); "
            "may be http://host:port for the local cloud."
        ),
    )
    secret_id: str = Field(
        alias="TENCENTCLOUD_SECRETID",
        description=(
            "SecretId of the execution role (SCF sets it) or of a key pair; "
            "falls back to TENCENTCLOUD_SECRET_ID."
        ),
    )
    secret_key: SecretStr = Field(
        alias="TENCENTCLOUD_SECRETKEY",
        description="SecretKey going with the SecretId; falls back to TENCENTCLOUD_SECRET_KEY.",
    )
    session_token: SecretStr | None = Field(
        None,
        alias="TENCENTCLOUD_SESSIONTOKEN",
        description=(
            "Session token of temporary credentials (set by SCF); falls back to TENCENTCLOUD_SESSION_TOKEN."
        ),
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """The settings from environment variables (empty counts as unset); ConfigurationError if wrong."""
        read_from = _variables_to_read(environ)
        values = {field: environ[variable] for field, variable in read_from.items() if environ.get(variable)}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise ConfigurationError(_explain(error, read_from)) from None

    @property
    def faceid_scheme(self) -> str:
        """https, or http for a local FaceID emulator."""
        return self.faceid_endpoint.partition("://")[0]

    @property
    def faceid_host(self) -> str:
        """host[:port] the FaceID client connects to (the SDK's HttpProfile endpoint)."""
        return self.faceid_endpoint.partition("://")[2]

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The webhook signing keys, newest first (none without webhooks)."""
        if self.webhook_secret is None:
            return ()
        return tuple(self.webhook_secret.get_secret_value().split(","))

    @property
    def web_actions(self) -> WebActions:
        """The issue and read-result actions of the configured web flow."""
        return WEB_ACTIONS[self.api_flavor]

    def require_actions(self, *actions: Action) -> None:
        """Stop at start when this deployment cannot serve an action the function calls: the region lacks it,
        or (issuing web verifications) no callback URL or return origin is configured."""
        for action in actions:
            if action in ISSUING_ACTIONS:
                self._require_web_issuing(action)
            if self.region not in ACTION_REGIONS[action]:
                raise ConfigurationError(self._region_problem(action))

    def _require_web_issuing(self, action: Action) -> None:
        needed = {
            "RELAY_CALLBACK_URL": self.callback_url,
            "RELAY_ALLOWED_RETURN_ORIGINS": self.allowed_return_origins,
        }
        for variable, value in needed.items():
            if not value:
                raise ConfigurationError(f"{variable} is required to call {action}: {_description(variable)}")

    def _region_problem(self, action: Action) -> str:
        fix = "Deploy the function in one of those regions"
        other_flavor: ApiFlavor = "live" if self.api_flavor == "legacy" else "legacy"
        if action in self.web_actions and self.region in ACTION_REGIONS[WEB_ACTIONS[other_flavor].issue]:
            fix += f", or set RELAY_API_FLAVOR={other_flavor}"
        regions = ", ".join(sorted(ACTION_REGIONS[action]))
        return f"RELAY_REGION: {self.region} cannot serve {action} (FaceID offers it in {regions}). {fix}."

    @field_validator("region", mode="before")
    @classmethod
    def _known_region(cls, value: Any) -> Any:
        if value not in REGIONS:
            raise ValueError(f"{value!r} is not one of {', '.join(REGIONS)}")
        return value

    @field_validator("bucket")
    @classmethod
    def _cos_bucket_name(cls, value: str) -> str:
        split_bucket(value)
        return value

    @field_validator("appid")
    @classmethod
    def _appid_of_bucket(cls, value: str, info: ValidationInfo) -> str:
        bucket = info.data.get("bucket")
        if bucket is None:
            return value
        _, appid = split_bucket(bucket)
        if value and value != appid:
            raise ValueError(
                f"{value!r} is not the APPID in RELAY_BUCKET ({appid}); fix one, or leave RELAY_APPID unset"
            )
        return appid

    @field_validator("allowed_return_origins", "cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        items = value.split(",") if isinstance(value, str) else value
        return tuple(parse_origin(item.strip()) for item in items if item.strip())

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secrets(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secrets = value.get_secret_value().split(",")
        if len(secrets) > MAX_WEBHOOK_SECRETS or any(
            len(secret) < MIN_WEBHOOK_SECRET_LENGTH or any(c.isspace() for c in secret) for secret in secrets
        ):
            raise ValueError(
                f"must be one secret of at least {MIN_WEBHOOK_SECRET_LENGTH} characters without spaces or "
                "commas, or two separated by a comma while rotating ('new,old'); generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "RELAY_WEBHOOK_SECRET is required with RELAY_WEBHOOK_URL: "
                f"{_description('RELAY_WEBHOOK_SECRET')}"
            )
        return self

    @field_validator("cos_endpoint", "cos_public_base_url")
    @classmethod
    def _local_endpoint(cls, value: str | None) -> str | None:
        return None if value is None else parse_origin(value, plain_http=True)

    @field_validator("faceid_endpoint")
    @classmethod
    def _faceid_endpoint(cls, value: str) -> str:
        return parse_origin(value if "://" in value else f"https://{value}", plain_http=True)

    @field_validator("app_token")
    @classmethod
    def _long_app_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if len(token) < MIN_APP_TOKEN_LENGTH or any(c.isspace() for c in token):
            raise ValueError(
                f"must be at least {MIN_APP_TOKEN_LENGTH} characters without spaces; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("secret_id", "secret_key", "session_token")
    @classmethod
    def _no_surrounding_spaces(cls, value: str | SecretStr | None) -> str | SecretStr | None:
        # The SDK refuses credentials with spaces around them (InvalidCredential), at the first call.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is not None and text != text.strip():
            raise ValueError("has spaces around it; remove them")
        return value


def _variables_to_read(environ: Mapping[str, str]) -> dict[str, str]:
    """Field alias → the variable that sets it here (fallbacks resolved)."""
    read_from = {field.alias: field.alias for field in Settings.model_fields.values() if field.alias}
    read_from["RELAY_REGION"] = next((v for v in REGION_VARIABLES if environ.get(v)), REGION_VARIABLES[0])
    # One set or the other, never an id from one and a key from the other.
    sdk_only = not any(environ.get(v) for v in SCF_CREDENTIAL_VARIABLES[:2]) and any(
        environ.get(v) for v in SDK_CREDENTIAL_VARIABLES[:2]
    )
    credentials = SDK_CREDENTIAL_VARIABLES if sdk_only else SCF_CREDENTIAL_VARIABLES
    read_from.update(zip(SCF_CREDENTIAL_VARIABLES, credentials, strict=True))
    return read_from


_SECRET_ALIASES = frozenset({"RELAY_APP_TOKEN", "RELAY_WEBHOOK_SECRET", *SCF_CREDENTIAL_VARIABLES})
_VALIDATOR_PREFIX = "Value error, "


def _description(variable: str) -> str | None:
    return next((f.description for f in Settings.model_fields.values() if f.alias == variable), None)


def _explain(error: ValidationError, read_from: Mapping[str, str]) -> str:
    """One message, each problem naming the variable to fix; secret values are never repeated."""
    problems = []
    for problem in error.errors():
        alias = str(problem["loc"][0]) if problem["loc"] else ""
        variable = read_from.get(alias, alias)
        message = str(problem["msg"])
        if not problem["loc"]:  # a rule across variables: its message names them
            problems.append(message.removeprefix(_VALIDATOR_PREFIX))
        elif problem["type"] == "missing":
            problems.append(f"{variable} is required: {_description(alias)}")
        elif message.startswith(_VALIDATOR_PREFIX):
            problems.append(f"{variable}: {message.removeprefix(_VALIDATOR_PREFIX)}")
        elif alias in _SECRET_ALIASES:
            problems.append(f"{variable}: {message}")
        else:
            problems.append(f"{variable}: {problem['input']!r} is not valid ({message})")
    return "; ".join(problems)
