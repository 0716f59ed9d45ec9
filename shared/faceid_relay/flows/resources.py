"""Where a FaceID resource comes from: an upload of ours (by key, MD5 from its record, a presigned GET
that outlives FaceID's download) or a COS URL + MD5 the caller already has (checked before the call)."""

from faceid_relay.errors import (
    InvalidContent,
    InvalidKey,
    InvalidResourceUrl,
    RelayError,
    UploadNotFound,
    UploadNotReady,
    UploadRefused,
)
from faceid_relay.faceid import Resource
from faceid_relay.flows.ports import Bucket
from faceid_relay.flows.uploads import finished_upload
from faceid_relay.models.requests import ResourceRef
from faceid_relay.models.rules import parse_cos_url
from faceid_relay.settings import Settings

# What naming a resource can answer: a key not ours, a URL not in the region, an upload missing, unhashed,
# not what its URL promised, or of the wrong kind.
RESOURCE_ERRORS: tuple[type[RelayError], ...] = (
    InvalidKey,
    InvalidResourceUrl,
    UploadNotFound,
    UploadNotReady,
    UploadRefused,
    InvalidContent,
)


def resolve_resource(ref: ResourceRef, settings: Settings, storage: Bucket) -> Resource:
    """The URL and MD5 FaceID gets for `ref` (which holds a key, or a URL with its MD5)."""
    if ref.key is not None:
        record = finished_upload(storage, ref.key, ref.purpose, field=f"{ref.name}Key")
        return Resource(
            storage.presign_download_for_provider(record.key, settings.provider_download_ttl), record.md5
        )
    url, md5 = str(ref.url), str(ref.md5)  # ResourceRef holds both when it holds no key
    parse_cos_url(url, region=settings.region, field=f"{ref.name}Url")
    return Resource(url, md5)
