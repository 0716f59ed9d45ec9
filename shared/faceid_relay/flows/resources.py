"""Where a FaceID resource comes from: an upload of ours (by key, MD5 from its record, a presigned GET
that outlives FaceID's download) or a COS URL + MD5 the caller already has (checked before the call)."""

from dataclasses import dataclass

from faceid_relay.errors import InvalidRequest
from faceid_relay.flows.uploads import finished_upload
from faceid_relay.models.rules import Purpose, parse_cos_url
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage


@dataclass(frozen=True)
class Resource:
    url: str
    md5: str


def resolve_resource(
    *,
    key: str | None,
    url: str | None,
    md5: str | None,
    purpose: Purpose,
    field: str,
    settings: Settings,
    storage: Storage,
) -> Resource:
    """Exactly one of key or url+md5 is set (the request models enforce it)."""
    if key is not None:
        record = finished_upload(storage, key, purpose, field=f"{field}Key")
        return Resource(
            storage.presign_download_for_provider(record.key, settings.provider_download_ttl), record.md5
        )
    if url is None or md5 is None:
        raise InvalidRequest(f"Give {field}Key, or {field}Url with {field}Md5.", field=f"{field}Url")
    parse_cos_url(url, region=settings.region, field=f"{field}Url")
    return Resource(url, md5)
