"""The FaceID actions the emulator serves: region sets, rate limits and parameter shapes, in one table.

Every rule that depends only on "which action" reads it from here (reference §1.1, §1.2)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from localcloud.faceid.errors import InvalidParameterError, MissingParameterError, UnknownParameterError

SERVICE = "faceid"
VERSION = "2018-03-01"

REFLECT_REGIONS = frozenset({"ap-bangkok", "ap-hongkong", "ap-singapore"})
WEB_INTL_REGIONS = frozenset({"ap-bangkok", "ap-hongkong", "ap-jakarta", "ap-singapore"})
LEGACY_WEB_REGIONS = frozenset({"ap-jakarta", "ap-singapore"})

# The value types a JSON parameter may take, as named in the SDK models' docstrings.
JsonKind = type[str] | type[int] | type[bool] | type[dict[str, Any]]

# WebVerificationConfigIntl (tencentcloud-sdk-python-intl-en faceid/v20180301/models.py).
WEB_CONFIG_FIELDS: Mapping[str, JsonKind] = {
    "AutoSkipStartPage": bool,
    "AutoSkip": bool,
    "CheckMode": int,
    "IDCardType": str,
    "DisableCheckOcrWarnings": bool,
    "SecurityLevel": int,
    "SkipPrivacyPolicy": bool,
    "IdCardCutReturn": bool,
    "ThemeColor": str,
    "Language": str,
    "AutoDowngrade": int,
    "ActionList": str,
    "LivenessRetryLimit": int,
    "LivenessTimeout": int,
    "SelectedWarningCodes": str,
    "AllowExpiredDocument": bool,
    "Version": str,
}


@dataclass(frozen=True)
class Param:
    kind: JsonKind
    required: bool = True


@dataclass(frozen=True)
class ActionSpec:
    name: str
    regions: frozenset[str]
    rate_limit: int
    params: Mapping[str, Param]


_SPECS = (
    ActionSpec("CreateUploadUrl", REFLECT_REGIONS, 20, {"TargetAction": Param(str)}),
    ActionSpec(
        "GenerateReflectSequence",
        REFLECT_REGIONS,
        5,
        {
            "DeviceDataUrl": Param(str),
            "DeviceDataMd5": Param(str),
            "SecurityLevel": Param(str, required=False),
        },
    ),
    ActionSpec(
        "DetectReflectLivenessAndCompare",
        REFLECT_REGIONS,
        5,
        {
            "LiveDataUrl": Param(str),
            "LiveDataMd5": Param(str),
            "ImageUrl": Param(str),
            "ImageMd5": Param(str),
        },
    ),
    ActionSpec(
        "ApplyWebVerificationBizTokenIntl",
        WEB_INTL_REGIONS,
        20,
        {
            "RedirectURL": Param(str),
            "CompareImageBase64": Param(str, required=False),
            "Extra": Param(str, required=False),
            "RuleId": Param(str, required=False),
            "Config": Param(dict, required=False),
        },
    ),
    # The 2025-01 copy of the doc lists ap-bangkok, ap-jakarta, ap-singapore only (reference §1.1), but
    # ApplyWebVerificationBizTokenIntl issues tokens in ap-hongkong too, and a token must be readable in
    # the region that issued it; so the result is served wherever tokens are issued.
    ActionSpec("GetWebVerificationResultIntl", WEB_INTL_REGIONS, 20, {"BizToken": Param(str)}),
    # Removed from the intl SDK in 3.1.50 (reference §0.2); clients reach them through CommonClient.
    ActionSpec(
        "ApplyWebVerificationToken",
        LEGACY_WEB_REGIONS,
        20,
        {"RedirectUrl": Param(str), "CompareImageUrl": Param(str), "CompareImageMd5": Param(str)},
    ),
    ActionSpec("GetWebVerificationResult", LEGACY_WEB_REGIONS, 20, {"BizToken": Param(str)}),
)
ACTIONS: Mapping[str, ActionSpec] = {spec.name: spec for spec in _SPECS}
DEFAULT_RATE_LIMITS: Mapping[str, int] = {spec.name: spec.rate_limit for spec in _SPECS}


def form_params(spec: ActionSpec, form: Mapping[str, str]) -> dict[str, Any]:
    """Form-encoded parameters (a GET query, a v1 form) as the JSON body they stand for: the SDK flattens
    objects into "Config.AutoSkip=True" (abstract_client._format_params) and every value is text, so
    each is read back by the type the action declares for it."""
    params: dict[str, Any] = {}
    for name, value in form.items():
        top, _, member = name.partition(".")
        param = spec.params.get(top)
        if not member or param is None or param.kind is not dict:
            params[name] = value
            continue
        config = params.setdefault(top, {})
        if isinstance(config, dict):
            config[member] = _from_text(f"{top}.{member}", value, WEB_CONFIG_FIELDS.get(member, str))
    return params


def _from_text(name: str, value: str, kind: JsonKind) -> Any:
    if kind is bool and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind is int and value.lstrip("-").isdigit():
        return int(value)
    if kind is str:
        return value
    raise wrong_type(name, kind)


def wrong_type(name: str, kind: JsonKind) -> InvalidParameterError:
    # Tencent's wording, seen with zh-CN: "参数 `InstanceIds.0` 取值类型错误。参数类型应为 `string`"
    # (ProbiusOfficial/TCL#2); the same sentence in English for the SDK's default en-US.
    return InvalidParameterError(
        f"The value type of parameter `{name}` is incorrect. The type should be `{_JSON_NAMES[kind]}`."
    )


def read_params(spec: ActionSpec, body: Mapping[str, Any]) -> dict[str, Any]:
    """The request's parameters checked against the action's shape, as API 3.0 checks them before the
    action runs: undefined names, missing required ones, and JSON types."""
    for name in body:
        if name not in spec.params:
            # Tencent's wording: "The parameter `$schema` is not recognized." (NewFuture/DDNS#575).
            raise UnknownParameterError(f"The parameter `{name}` is not recognized.")
    for name, param in spec.params.items():
        if name not in body or body[name] is None:
            if param.required:
                raise MissingParameterError(f"The request is missing a required parameter `{name}`.")
            continue
        _check_kind(name, body[name], param.kind)
    if isinstance(body.get("Config"), dict):
        _check_web_config(body["Config"])
    return {name: value for name, value in body.items() if value is not None}


def _check_web_config(config: Mapping[str, Any]) -> None:
    for name, value in config.items():
        kind = WEB_CONFIG_FIELDS.get(name)
        if kind is None:
            raise UnknownParameterError(f"The parameter `Config.{name}` is not recognized.")
        if value is not None:
            _check_kind(f"Config.{name}", value, kind)


def _check_kind(name: str, value: Any, kind: JsonKind) -> None:
    # bool is an int in Python, not in JSON: `true` is no CheckMode and `1` is no AutoSkip.
    matches = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
    if not matches:
        raise wrong_type(name, kind)


_JSON_NAMES: Mapping[JsonKind, str] = {str: "string", int: "integer", bool: "boolean", dict: "object"}
