"""Objects on disk: streamed bodies, atomic commits, create-once (x-cos-forbid-overwrite), tags, multipart.

The state and rules of the COS emulator, no HTTP in sight; objects survive a restart on the same folder."""

import base64
import binascii
import hashlib
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import crcmod  # type: ignore[import-untyped]
from typing_extensions import Self

from localcloud.clock import Clock

if TYPE_CHECKING:
    from .lifecycle import LifecycleRule

from .errors import (
    BadDigestError,
    EntityTooLargeError,
    EntityTooSmallError,
    FileAlreadyExistsError,
    InvalidArgumentError,
    InvalidDigestError,
    InvalidPartError,
    InvalidPartOrderError,
    InvalidTagError,
    MalformedXMLError,
    NoSuchKeyError,
    NoSuchUploadError,
)

CHUNK_SIZE = 256 * 1024
# COS object tags: at most 10 per object, key 1-128 and value 0-256 characters (COS "Object Tagging").
MAX_TAGS = 10
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
# Multipart: part numbers 1..10000, every part but the last at least 1 MB (COS Upload Part /
# Complete Multipart Upload; the SDK's complete_multipart_upload docstring says the same).
MAX_PART_NUMBER = 10000
MIN_PART_SIZE = 1024 * 1024


def new_crc64() -> Any:
    # CRC-64/ECMA-182 as COS reports it in x-cos-hash-crc64ecma; the SDK checks downloads with exactly
    # these parameters (qcloud_cos.resumable_downloader.__check_crc).
    return crcmod.Crc(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)


def parse_content_md5(header: str | None) -> bytes | None:
    """Content-MD5 is base64 of the 16-byte digest (qcloud_cos.cos_comm.get_md5); anything else is invalid."""
    if header is None:
        return None
    try:
        digest = base64.b64decode(header, validate=True)
    except binascii.Error:
        raise InvalidDigestError() from None
    if len(digest) != 16:
        raise InvalidDigestError()
    return digest


@dataclass(frozen=True)
class ReceivedBody:
    """A request body fully written to a temporary file, with what COS computes over it."""

    path: Path
    size: int
    md5: bytes
    crc64: int

    def check_content_md5(self, expected: bytes | None) -> None:
        if expected is not None and expected != self.md5:
            raise BadDigestError()

    @property
    def etag(self) -> str:
        return f'"{self.md5.hex()}"'


class IncomingBody:
    """Streams a body to a temporary file while computing MD5, CRC64 and size; never holds it in memory.

    Leaving the `with` block without `finish()` (an error, a client that went away) deletes the file."""

    def __init__(self, tmp_dir: Path, limit: int) -> None:
        self._limit = limit
        self._path = tmp_dir / f"{uuid.uuid4().hex}.part"
        self._file = self._path.open("xb")
        self._md5 = hashlib.md5(usedforsecurity=False)  # COS ETag and Content-MD5 are MD5
        self._crc64 = new_crc64()
        self._size = 0
        self._finished: ReceivedBody | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()
        if exc_info[0] is not None:
            self._path.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            raise EntityTooLargeError()
        self._md5.update(chunk)
        self._crc64.update(chunk)
        self._file.write(chunk)

    def finish(self) -> ReceivedBody:
        self._file.close()
        return ReceivedBody(self._path, self._size, self._md5.digest(), self._crc64.crcValue)


def check_tags(tags: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if len(tags) > MAX_TAGS:
        raise InvalidTagError(f"An object can have at most {MAX_TAGS} tags.")
    if len({key for key, _ in tags}) != len(tags):
        raise InvalidTagError("Tag keys must be unique.")
    for key, value in tags:
        if not 1 <= len(key) <= MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
            raise InvalidTagError(f"Tag keys are 1-{MAX_TAG_KEY} characters, values at most {MAX_TAG_VALUE}.")
    return tags


@dataclass(frozen=True)
class ObjectAttributes:
    """What a writer sets besides the bytes: Content-Type, standard headers, x-cos-meta-*, tags."""

    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    tags: list[tuple[str, str]] = field(default_factory=list)
    encryption: str | None = None  # x-cos-server-side-encryption the writer asked for
    public_read: bool = False  # x-cos-acl: public-read, so anonymous GET/HEAD may read it


def attributes_from_json(raw: dict[str, Any]) -> ObjectAttributes:
    return ObjectAttributes(**{**raw, "tags": [(key, value) for key, value in raw["tags"]]})


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    etag: str
    crc64: int
    last_modified: float
    data_file: str
    attributes: ObjectAttributes

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "StoredObject":
        raw = json.loads(text)
        attributes = attributes_from_json(raw.pop("attributes"))
        return cls(**raw, attributes=attributes)


@dataclass(frozen=True)
class Part:
    number: int
    etag: str
    size: int
    last_modified: float


@dataclass(frozen=True)
class MultipartUpload:
    upload_id: str
    key: str
    initiated: float
    attributes: ObjectAttributes

    @classmethod
    def load(cls, folder: Path) -> "MultipartUpload":
        raw = json.loads((folder / "upload.json").read_text())
        attributes = attributes_from_json(raw.pop("attributes"))
        return cls(**raw, attributes=attributes)


def multipart_etag(parts: list[Part]) -> str:
    # "<md5 of the concatenated binary part MD5s>-<number of parts>", as S3 and COS report it.
    digests = b"".join(bytes.fromhex(part.etag.strip('"')) for part in parts)
    return f'"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"'


def check_part_number(number: int) -> int:
    if not 1 <= number <= MAX_PART_NUMBER:
        raise InvalidArgumentError(f"partNumber must be between 1 and {MAX_PART_NUMBER}.")
    return number


def check_completion_list(requested: list[tuple[int, str]], uploaded: dict[int, Part]) -> list[Part]:
    """The parts a CompleteMultipartUpload names: ascending, uploaded with that ETag, all but last >= 1 MB."""
    if not requested:
        raise MalformedXMLError("CompleteMultipartUpload must name at least one part.")
    numbers = [number for number, _ in requested]
    if numbers != sorted(set(numbers)):
        raise InvalidPartOrderError()
    parts = []
    for number, etag in requested:
        part = uploaded.get(number)
        if part is None or part.etag.strip('"') != etag.strip('"'):
            raise InvalidPartError(f"Part {number} was not uploaded with ETag {etag}.")
        parts.append(part)
    if any(part.size < MIN_PART_SIZE for part in parts[:-1]):
        raise EntityTooSmallError()
    return parts


@dataclass(frozen=True)
class ListingPage:
    contents: list[StoredObject]
    common_prefixes: list[str]
    next_marker: str | None  # set when the listing is truncated


def page_of(
    objects: list[StoredObject], prefix: str, delimiter: str, marker: str, max_keys: int
) -> ListingPage:
    """GET Bucket semantics: keys after `marker`; with a delimiter, keys sharing the part of their name
    up to the next delimiter fold into one common prefix; at most `max_keys` entries of either kind."""
    contents: list[StoredObject] = []
    prefixes: list[str] = []
    last = ""
    for stored in objects:
        if stored.key <= marker:
            continue
        rest = stored.key[len(prefix) :]
        folded = prefix + rest.split(delimiter, 1)[0] + delimiter if delimiter and delimiter in rest else None
        if folded is not None and (folded in prefixes or folded <= marker):
            continue
        if len(contents) + len(prefixes) == max_keys:
            return ListingPage(contents, prefixes, last)
        if folded is None:
            contents.append(stored)
            last = stored.key
        else:
            prefixes.append(folded)
            last = folded
    return ListingPage(contents, prefixes, None)


class ObjectStore:
    """All buckets' objects under one folder; one lock makes each commit and each read-open atomic."""

    def __init__(self, root: Path, bucket_names: list[str], clock: Clock, max_put_size: int) -> None:
        self._root = root
        self._clock = clock
        self.max_put_size = max_put_size
        self._lock = threading.Lock()
        for name in bucket_names:
            for folder in ("objects", "multipart"):
                (root / name / folder).mkdir(parents=True, exist_ok=True)
            # Whatever a crash left half-written is not an object.
            shutil.rmtree(root / name / "tmp", ignore_errors=True)
            (root / name / "tmp").mkdir()

    # ---- single objects -------------------------------------------------------------------------

    def incoming(self, bucket: str) -> IncomingBody:
        return IncomingBody(self._root / bucket / "tmp", self.max_put_size)

    def _record_path(self, bucket: str, key: str) -> Path:
        return self._root / bucket / "objects" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def _read_record(self, bucket: str, key: str) -> StoredObject | None:
        try:
            return StoredObject.from_json(self._record_path(bucket, key).read_text())
        except FileNotFoundError:
            return None

    def _write_temp(self, bucket: str, text: str) -> Path:
        path = self._root / bucket / "tmp" / f"{uuid.uuid4().hex}.json"
        path.write_text(text)
        return path

    def commit(
        self,
        bucket: str,
        key: str,
        body: ReceivedBody,
        attributes: ObjectAttributes,
        *,
        forbid_overwrite: bool,
        etag: str | None = None,
    ) -> StoredObject:
        """Make `body` the object `key`, atomically: readers see the old object or the new one, never a mix.

        With `forbid_overwrite` the record is created with os.link, which fails if it exists: of any number
        of concurrent writers exactly one wins and the others get FileAlreadyExists."""
        record_path = self._record_path(bucket, key)
        data_file = f"{record_path.stem}.{uuid.uuid4().hex}.data"
        data_path = self._root / bucket / "objects" / data_file
        stored = StoredObject(
            key=key,
            size=body.size,
            etag=etag or body.etag,
            crc64=body.crc64,
            last_modified=self._clock.now(),
            data_file=data_file,
            attributes=attributes,
        )
        os.replace(body.path, data_path)
        temp = self._write_temp(bucket, stored.to_json())
        with self._lock:
            try:
                if forbid_overwrite:
                    self._create_once(temp, record_path, data_path)
                    previous = None
                else:
                    previous = self._read_record(bucket, key)
                    os.replace(temp, record_path)
            finally:
                temp.unlink(missing_ok=True)
            if previous is not None:
                (self._root / bucket / "objects" / previous.data_file).unlink(missing_ok=True)
        return stored

    @staticmethod
    def _create_once(temp: Path, record_path: Path, data_path: Path) -> None:
        try:
            os.link(temp, record_path)
        except FileExistsError:
            data_path.unlink(missing_ok=True)
            raise FileAlreadyExistsError() from None

    def head(self, bucket: str, key: str) -> StoredObject:
        with self._lock:
            stored = self._read_record(bucket, key)
        if stored is None:
            raise NoSuchKeyError()
        return stored

    def open(self, bucket: str, key: str) -> tuple[StoredObject, IO[bytes]]:
        """The object and an open handle on its bytes (valid even if the object is replaced meanwhile)."""
        with self._lock:
            stored = self._read_record(bucket, key)
            if stored is None:
                raise NoSuchKeyError()
            return stored, (self._root / bucket / "objects" / stored.data_file).open("rb")

    def delete(self, bucket: str, key: str) -> None:
        """Idempotent, as in COS: deleting a missing key succeeds."""
        with self._lock:
            stored = self._read_record(bucket, key)
            if stored is None:
                return
            self._record_path(bucket, key).unlink()
            (self._root / bucket / "objects" / stored.data_file).unlink(missing_ok=True)

    def list_objects(self, bucket: str, prefix: str) -> list[StoredObject]:
        """Every object whose key starts with `prefix`, in key order (code point order = UTF-8 byte order)."""
        found = []
        for record in (self._root / bucket / "objects").glob("*.json"):
            try:
                stored = StoredObject.from_json(record.read_text())
            except FileNotFoundError:  # deleted while we listed
                continue
            if stored.key.startswith(prefix):
                found.append(stored)
        return sorted(found, key=lambda stored: stored.key)

    def set_tags(self, bucket: str, key: str, tags: list[tuple[str, str]]) -> None:
        checked = check_tags(tags)
        with self._lock:
            stored = self._read_record(bucket, key)
            if stored is None:
                raise NoSuchKeyError()
            updated = replace(stored, attributes=replace(stored.attributes, tags=checked))
            os.replace(self._write_temp(bucket, updated.to_json()), self._record_path(bucket, key))

    def copy_into(self, bucket: str, source: IO[bytes], expected_md5: bytes | None = None) -> ReceivedBody:
        """Stream an open source (an object to copy, a POSTed file) into a new temporary body; a body whose
        MD5 is not `expected_md5` is dropped with BadDigest."""
        with source, self.incoming(bucket) as incoming:
            while chunk := source.read(CHUNK_SIZE):
                incoming.write(chunk)
            body = incoming.finish()
            body.check_content_md5(expected_md5)
            return body

    # ---- multipart ------------------------------------------------------------------------------

    def _upload_dir(self, bucket: str, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise NoSuchUploadError()
        return self._root / bucket / "multipart" / upload_id

    def upload(self, bucket: str, key: str, upload_id: str) -> MultipartUpload:
        try:
            upload = MultipartUpload.load(self._upload_dir(bucket, upload_id))
        except FileNotFoundError:
            raise NoSuchUploadError() from None
        if upload.key != key:
            raise NoSuchUploadError()
        return upload

    def create_multipart(self, bucket: str, key: str, attributes: ObjectAttributes) -> MultipartUpload:
        upload = MultipartUpload(uuid.uuid4().hex, key, self._clock.now(), attributes)
        staging = self._root / bucket / "tmp" / upload.upload_id
        staging.mkdir()
        (staging / "upload.json").write_text(json.dumps(asdict(upload)))
        staging.rename(self._upload_dir(bucket, upload.upload_id))
        return upload

    def store_part(self, bucket: str, key: str, upload_id: str, number: int, body: ReceivedBody) -> Part:
        self.upload(bucket, key, upload_id)
        folder = self._upload_dir(bucket, upload_id)
        part = Part(check_part_number(number), body.etag, body.size, self._clock.now())
        os.replace(body.path, folder / f"{number}.data")
        (folder / f"{number}.json").write_text(json.dumps(asdict(part)))
        return part

    def list_parts(self, bucket: str, key: str, upload_id: str) -> list[Part]:
        self.upload(bucket, key, upload_id)
        folder = self._upload_dir(bucket, upload_id)
        parts = [Part(**json.loads(path.read_text())) for path in folder.glob("[0-9]*.json")]
        return sorted(parts, key=lambda part: part.number)

    def list_uploads(self, bucket: str, prefix: str) -> list[MultipartUpload]:
        uploads = [MultipartUpload.load(folder) for folder in (self._root / bucket / "multipart").iterdir()]
        matching = [upload for upload in uploads if upload.key.startswith(prefix)]
        return sorted(matching, key=lambda upload: (upload.key, upload.initiated))

    def complete_multipart(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        requested: list[tuple[int, str]],
        *,
        forbid_overwrite: bool,
    ) -> StoredObject:
        upload = self.upload(bucket, key, upload_id)
        folder = self._upload_dir(bucket, upload_id)
        parts = check_completion_list(
            requested, {part.number: part for part in self.list_parts(bucket, key, upload_id)}
        )
        with self.incoming(bucket) as incoming:
            for part in parts:
                with (folder / f"{part.number}.data").open("rb") as source:
                    while chunk := source.read(CHUNK_SIZE):
                        incoming.write(chunk)
            body = incoming.finish()
        stored = self.commit(
            bucket,
            key,
            body,
            upload.attributes,
            forbid_overwrite=forbid_overwrite,
            etag=multipart_etag(parts),
        )
        shutil.rmtree(folder, ignore_errors=True)
        return stored

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        self.upload(bucket, key, upload_id)
        shutil.rmtree(self._upload_dir(bucket, upload_id))

    # ---- lifecycle ------------------------------------------------------------------------------

    def put_lifecycle(self, bucket: str, xml: bytes | None) -> None:
        """Keep the lifecycle document as PUT (None deletes it); lifecycle.py reads its rules."""
        path = self._root / bucket / "lifecycle.xml"
        if xml is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(xml)

    def lifecycle(self, bucket: str) -> bytes | None:
        try:
            return (self._root / bucket / "lifecycle.xml").read_bytes()
        except FileNotFoundError:
            return None

    def apply_lifecycle(self, bucket: str, rules: "Sequence[LifecycleRule]") -> list[str]:
        """Delete what `rules` have expired and abort abandoned multipart uploads, as COS's daily run does;
        returns the deleted keys."""
        now = self._clock.now()
        expired = [
            stored.key
            for stored in self.list_objects(bucket, "")
            if any(
                rule.applies_to(stored.key, stored.attributes.tags)
                and rule.expired(stored.last_modified, now)
                for rule in rules
            )
        ]
        for key in expired:
            self.delete(bucket, key)
        for upload in self.list_uploads(bucket, ""):
            if any(
                rule.applies_to(upload.key, []) and rule.abandoned(upload.initiated, now) for rule in rules
            ):
                shutil.rmtree(self._upload_dir(bucket, upload.upload_id), ignore_errors=True)
        return expired


def read_range(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes from `start` in chunks, closing the handle when done or abandoned."""
    with handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
