"""SCF COS trigger events as typed records, so hash-on-upload reads fields instead of raw dicts, and
the uploader's credentials in the event never travel further (peers.md §6.4)."""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_USER_METADATA_PREFIX = "x-cos-meta-"
_REGION = r"[a-z]+-[a-z]+(?:-[a-z0-9]+)?"
_REGION_NAME = re.compile(f"^{_REGION}$")
# Virtual-host COS URLs: <name>-<appid>.cos.<region>.myqcloud.com (or the newer tencentcos.cn), reference §6.
_COS_HOST = re.compile(rf"^[a-z0-9-]+\.cos\.(?P<region>{_REGION})\.(?:myqcloud\.com|tencentcos\.cn)$")
# `cosBucket.region` holds a short code ("cd" = ap-chengdu in the doc sample). These four come from
# third-party code; that COS triggers send them is UNCONFIRMED (reference §4.5), so the URL host wins.
_SHORT_REGION_CODES = {"sg": "ap-singapore", "th": "ap-bangkok", "hk": "ap-hongkong", "jkt": "ap-jakarta"}


class CosObjectEvent(BaseModel):
    """One object event: which object, how big, and what the uploader declared (never their credentials)."""

    model_config = ConfigDict(frozen=True)

    bucket: str = Field(description='Full bucket name, "<name>-<appid>"')
    appid: str
    region: str = Field(description='COS region, e.g. "ap-singapore"')
    key: str = Field(description="Object key, decoded, without the /<appid>/<name>/ prefix")
    size: int = Field(ge=0)
    event_name: str = Field(description='e.g. "cos:ObjectCreated:Put"')
    request_id: str | None = Field(description="x-cos-request-id of the upload")
    content_type: str | None
    metadata: dict[str, str] = Field(description="x-cos-meta-* headers, names lower-cased without the prefix")


class MalformedCosEventError(ValueError):
    """The event is not a COS trigger event we understand; `record` is the index of the bad record, if any."""

    def __init__(self, message: str, *, record: int | None = None) -> None:
        super().__init__(message if record is None else f"Records[{record}]: {message}")
        self.record = record


class _RawObject(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)

    url: str
    meta: dict[str, str] = Field(default_factory=dict)
    key: str
    size: int = Field(ge=0)


class _RawBucket(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)

    region: str
    name: str
    appid: str


class _RawCos(BaseModel):
    cos_object: _RawObject = Field(alias="cosObject")
    cos_bucket: _RawBucket = Field(alias="cosBucket")


class _RawEventInfo(BaseModel):
    event_name: str = Field(alias="eventName")


class _RawRecord(BaseModel):
    """Only the fields we read. Everything else is dropped on validation, notably
    event.requestParameters.requestHeaders, which carries the uploader's Authorization (peers.md §6.4)."""

    cos: _RawCos
    event: _RawEventInfo


def parse_cos_event(event: object) -> list[CosObjectEvent]:
    """Every record of a COS trigger event, in order; MalformedCosEventError on the first bad one."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records:
        raise MalformedCosEventError("The event is not a COS trigger event (no Records list).")
    return [_parse_record(raw, index) for index, raw in enumerate(records)]


def _parse_record(raw: Any, index: int) -> CosObjectEvent:
    try:
        record = _RawRecord.model_validate(raw)
    except ValidationError as error:
        # Location and reason only: the input may hold the uploader's credentials.
        first = error.errors(include_input=False, include_url=False, include_context=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedCosEventError(f"{where}: {first['msg']}", record=index) from None
    bucket, obj = record.cos.cos_bucket, record.cos.cos_object
    # cosObject.key is /<appid>/<bucket name>/<key> (reference §4.5). The prefix is removed exactly once and
    # only at the start (the official demo's key.replace(prefix, '', 1) would cut it from the middle too),
    # then the rest is percent-decoded with RFC 3986 rules (%20 → space, '+' stays '+'). Whether COS encodes
    # the key is UNCONFIRMED: decoding is right if it does and changes nothing for the keys this service
    # creates (uuid hex under uploads/); only a foreign key that literally contains %xx would be misread.
    prefix = f"/{bucket.appid}/{bucket.name}/"
    if not obj.key.startswith(prefix) or len(obj.key) == len(prefix):
        raise MalformedCosEventError("cos.cosObject.key is not /<appid>/<bucket name>/<key>.", record=index)
    meta = {name.lower(): value for name, value in obj.meta.items()}
    return CosObjectEvent(
        bucket=f"{bucket.name}-{bucket.appid}",
        appid=bucket.appid,
        region=_region(obj.url, bucket.region, index),
        key=unquote(obj.key[len(prefix) :]),
        size=obj.size,
        event_name=record.event.event_name,
        request_id=meta.get("x-cos-request-id") or None,
        content_type=meta.get("content-type") or None,
        metadata={
            name[len(_USER_METADATA_PREFIX) :]: value
            for name, value in meta.items()
            if name.startswith(_USER_METADATA_PREFIX)
        },
    )


def _region(url: str, code: str, index: int) -> str:
    match = _COS_HOST.match(urlsplit(url).hostname or "")
    if match:
        return match["region"]
    if code in _SHORT_REGION_CODES:
        return _SHORT_REGION_CODES[code]
    if _REGION_NAME.match(code):
        return code
    raise MalformedCosEventError(
        "The bucket's region is neither in cosObject.url nor a known code.", record=index
    )
