"""Copying what FaceID hands back into results/ before it clears it: downloaded when it is a link (and its
MD5 checked), stored once, described by what proves it intact."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from faceid_relay.errors import ProviderMediaUnavailable
from faceid_relay.faceid import ProviderMedia, Resource
from faceid_relay.flows.ports import Bucket
from faceid_relay.models.records import result_media_key
from faceid_relay.models.responses import StoredMedia, StoredMediaLink
from faceid_relay.settings import Settings


@dataclass(frozen=True)
class ResultFile:
    """How one kind of file is kept: its name under results/<owner>/, its type, the most bytes we accept,
    and what to call it when it arrives damaged."""

    name: str
    content_type: str
    max_bytes: int
    what: str


def copy_provider_media(storage: Bucket, media: ProviderMedia, owner: str, file: ResultFile) -> StoredMedia:
    """Stored as results/<owner>/<file.name>; `owner` is a BizToken or another id of the result."""
    data = storage.fetch_url(media.url, file.max_bytes) if isinstance(media, Resource) else media
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if isinstance(media, Resource) and md5 != media.md5:
        raise ProviderMediaUnavailable(
            f"FaceID's {file.what} arrived damaged (MD5 mismatch). Retry the request."
        )
    key = result_media_key(owner, file.name)
    storage.create(key, data, file.content_type)
    return StoredMedia(key=key, md5=md5, size=len(data))


def media_link(media: StoredMedia, file: ResultFile, settings: Settings, storage: Bucket) -> StoredMediaLink:
    """A short-lived download link to stored media, with what proves it intact; it answers as a download
    of `file`'s type whatever is appended to it (Storage.presign_download_for_client)."""
    return StoredMediaLink(
        url=storage.presign_download_for_client(
            media.key,
            settings.result_url_ttl,
            content_type=file.content_type,
            filename=media.key.rsplit("/", 1)[-1],
        ),
        md5=media.md5,
        size=media.size,
        expires_at=datetime.now(timezone.utc) + timedelta(seconds=settings.result_url_ttl),
    )
