"""SCF COS trigger events as typed records: only what hash-on-upload uses (which bucket, which key, which
kind of event), so an unfamiliar region code, host or extra field never costs an upload its record, and the
uploader's credentials in the event never travel further (peers.md §6.4)."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CosObjectEvent(BaseModel):
    """One object event. The region is not read: the deployment knows its own (and its bucket), and
    Tencent's events name it in codes that vary (`cd`, `bj`, V4 short names such as `sgp`)."""

    model_config = ConfigDict(frozen=True)

    bucket: str = Field(description='Full bucket name, "<name>-<appid>"')
    key: str = Field(description="Object key, decoded, without the /<appid>/<name>/ prefix")
    event_name: str = Field(description='e.g. "cos:ObjectCreated:Put"')


class MalformedCosEventError(ValueError):
    """The event is not a COS trigger event we understand; `record` is the index of the first bad record, if
    any, and `readable` the records that could be read (a bad record must not cost the others their hash)."""

    def __init__(self, message: str, *, record: int | None = None) -> None:
        super().__init__(message if record is None else f"Records[{record}]: {message}")
        self.record = record
        self.readable: list[CosObjectEvent] = []


class _RawObject(BaseModel):
    key: str


class _RawBucket(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)

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
    """Every record of a COS trigger event, in order; MalformedCosEventError for the first bad one, holding
    the records that were readable."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records:
        raise MalformedCosEventError("The event is not a COS trigger event (no Records list).")
    readable: list[CosObjectEvent] = []
    first_error: MalformedCosEventError | None = None
    for index, raw in enumerate(records):
        try:
            readable.append(_parse_record(raw, index))
        except MalformedCosEventError as error:
            first_error = first_error or error
    if first_error is not None:
        first_error.readable = readable
        raise first_error
    return readable


def _parse_record(raw: Any, index: int) -> CosObjectEvent:
    try:
        record = _RawRecord.model_validate(raw)
    except ValidationError as error:
        # Location and reason only: the input may hold the uploader's credentials.
        first = error.errors(include_input=False, include_url=False, include_context=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedCosEventError(f"{where}: {first['msg']}", record=index) from None
    bucket, key = record.cos.cos_bucket, record.cos.cos_object.key
    # cosObject.key is /<appid>/<bucket name>/<key> (reference §4.5). The prefix is removed exactly once and
    # only at the start (the official demo's key.replace(prefix, '', 1) would cut it from the middle too),
    # then the rest is percent-decoded with RFC 3986 rules (%20 → space, '+' stays '+'). Whether COS encodes
    # the key is UNCONFIRMED: decoding is right if it does and changes nothing for the keys this service
    # creates (uuid hex under uploads/); only a foreign key that literally contains %xx would be misread.
    # The name comes without the APPID (reference §4.5); should an event carry the full name instead, the
    # bucket is still ours rather than "<name>-<appid>-<appid>", which would skip the upload silently.
    name = bucket.name.removesuffix(f"-{bucket.appid}")
    prefix = next(
        (
            written
            for written in (f"/{bucket.appid}/{name}/", f"/{bucket.appid}/{name}-{bucket.appid}/")
            if key.startswith(written)
        ),
        None,
    )
    if prefix is None or len(key) == len(prefix):
        raise MalformedCosEventError("cos.cosObject.key is not /<appid>/<bucket name>/<key>.", record=index)
    return CosObjectEvent(
        bucket=f"{name}-{bucket.appid}",
        key=unquote(key[len(prefix) :]),
        event_name=record.event.event_name,
    )
