"""Copying what FaceID hands back into results/ before it clears it: downloaded when it is a link (and its
MD5 checked), stored once, described by what proves it intact."""

import hashlib

from faceid_relay.errors import ProviderMediaUnavailable
from faceid_relay.faceid import MediaLink, ProviderMedia
from faceid_relay.flows.ports import Bucket
from faceid_relay.models.responses import StoredMedia


def copy_provider_media(
    storage: Bucket, media: ProviderMedia, *, key: str, content_type: str, max_bytes: int, what: str
) -> StoredMedia:
    """`what` names the file in the error a damaged download answers (e.g. "best frame")."""
    data = storage.fetch_url(media.url, max_bytes) if isinstance(media, MediaLink) else media
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if isinstance(media, MediaLink) and md5 != media.md5:
        raise ProviderMediaUnavailable(f"FaceID's {what} arrived damaged (MD5 mismatch). Retry the request.")
    storage.create(key, data, content_type)
    return StoredMedia(key=key, md5=md5, size=len(data))
