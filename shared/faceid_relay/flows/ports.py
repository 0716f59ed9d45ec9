"""What the flows need from the bucket, from FaceID and from the app's webhook receiver, as small Protocols:
storage.Storage, faceid.FaceId and webhooks.WebhookEndpoint serve them in a function, in-memory fakes in
unit tests and benchmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from faceid_relay.errors import RelayError
from faceid_relay.models.rules import Action, ApiFlavor
from faceid_relay.storage import ObjectDigest, ObjectHead, StoredObject

if TYPE_CHECKING:
    # Annotations only: hash_on_upload reads the bucket alone and so does not load FaceID's module and SDK,
    # nor the webhook client.
    from faceid_relay import faceid
    from faceid_relay.webhooks import DeliveryResult


class Bucket(Protocol):
    """The deployment's bucket: presigned URLs, reads, create-once writes (False: the key already existed)."""

    def presign_upload(self, key: str, headers: dict[str, str], ttl: int) -> str: ...
    def presign_download_for_provider(self, key: str, ttl: int) -> str: ...
    def presign_download_for_client(self, key: str, ttl: int, *, content_type: str, filename: str) -> str: ...
    def digest(
        self, key: str, sniff_bytes: int = 64, deadline: float | None = None
    ) -> ObjectDigest | None: ...
    def head(self, key: str) -> ObjectHead | None: ...
    def remaining_seconds(self) -> float: ...
    def fetch_url(self, url: str, max_bytes: int) -> bytes: ...
    def read_object(self, key: str) -> StoredObject | None: ...
    def read_json(self, key: str) -> dict[str, Any] | None: ...
    def create(self, key: str, data: bytes, content_type: str) -> bool: ...
    def create_json(self, key: str, payload: dict[str, Any]) -> bool: ...
    def delete(self, key: str) -> None: ...
    def list_keys(self, prefix: str, *, after: str = "", limit: int = 1000) -> list[str]: ...


class WebhookReceiver(Protocol):
    """The app backend's webhook URL: one signed POST per call (webhooks.WebhookEndpoint)."""

    def deliver(self, body: bytes) -> DeliveryResult: ...


class FaceIdApi(Protocol):
    """The FaceID actions the flows call, in our types; errors are catalogue errors."""

    def create_upload_url(self, target_action: Action) -> faceid.UploadUrl: ...
    def generate_reflect_sequence(
        self, device_data: faceid.Resource, security_level: str
    ) -> faceid.ReflectSequence: ...
    def detect_reflect_liveness_and_compare(
        self, live_data: faceid.Resource, image: faceid.Resource
    ) -> faceid.LivenessVerdict: ...
    def apply_web_verification(
        self,
        flavor: ApiFlavor,
        *,
        redirect_url: str,
        compare_image: faceid.CompareImage | None,
        extra: str | None,
    ) -> faceid.IssuedWebVerification: ...
    def get_web_verification_result(
        self, flavor: ApiFlavor, biz_token: str
    ) -> faceid.WebVerificationOutcome: ...


Record = TypeVar("Record", bound=BaseModel)


def create_or_read(storage: Bucket, key: str, record: Record) -> Record:
    """`record`, written create-once at `key`; if another writer got there first, theirs."""
    if storage.create_json(key, record.model_dump(mode="json")):
        return record
    return type(record).model_validate(storage.read_json(key))


def read_record(storage: Bucket, key: str, model: type[Record]) -> Record | None:
    """The record stored at `key`, or None where there is none."""
    stored = storage.read_json(key)
    return None if stored is None else model.model_validate(stored)


def stored_record(storage: Bucket, key: str, model: type[Record], missing: type[RelayError]) -> Record:
    """The record stored at `key`; `missing` (e.g. a 404 of the catalogue) where there is none."""
    record = read_record(storage, key, model)
    if record is None:
        raise missing()
    return record
