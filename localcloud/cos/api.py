"""The COS XML API over HTTP: resolve the bucket, authenticate, call the store, render the COS answer.

Thin on purpose: the rules live in signing, store, cors and notifications; this wires them."""

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, quote, unquote

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from localcloud.accounts import KeyPair
from localcloud.clock import Clock

from . import cors, lifecycle, xmlio
from .config import BucketConfig, CosEmulatorConfig
from .errors import (
    BadDigestError,
    CosError,
    EntityTooLargeError,
    InjectedFaultError,
    InvalidArgumentError,
    InvalidRangeError,
    MalformedXMLError,
    MethodNotAllowedError,
    NoSuchCORSConfigurationError,
    NoSuchLifecycleConfigurationError,
    NotImplementedByEmulatorError,
    PreconditionFailedError,
)
from .faults import FaultInjector
from .notifications import NotificationDispatcher, ObjectCreated
from .policy import authorize, cos_resource
from .signing import authenticate, is_anonymous
from .store import (
    ObjectAttributes,
    ObjectStore,
    ReceivedBody,
    StoredObject,
    check_tags,
    page_of,
    parse_content_md5,
    read_range,
)
from .wire import (
    Headers,
    cos_response,
    discard_body,
    encode_headers,
    error_response,
    header_text,
    header_true,
    http_date,
    new_request_id,
    query_pairs,
    request_chunks,
    signed_request,
    streamed_response,
)

# Headers a writer may set that COS stores and returns on GET/HEAD (COS PUT Object request headers).
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
# x-cos-storage-class values an object can be read back in at once (PUT Object 436/7749 lists these and
# ARCHIVE / DEEP_ARCHIVE, which need a restore before GET and are not emulated). HEAD/GET return the header
# only for a class other than STANDARD (436/7745).
STORAGE_CLASS = "x-cos-storage-class"
READABLE_STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "STANDARD_IA",
        "INTELLIGENT_TIERING",
        "MAZ_STANDARD",
        "MAZ_STANDARD_IA",
        "MAZ_INTELLIGENT_TIERING",
    }
)
# COS sub-resources: a query parameter naming one makes the request that API, not a plain object or bucket
# request. Those the emulator does not serve must answer NotImplemented, never a plain GET/PUT (a PUT ?acl
# taken for PUT Object would empty the object).
SUB_RESOURCES = frozenset(
    {
        "accelerate",
        "acl",
        "append",
        "cors",
        "delete",
        "domain",
        "encryption",
        "intelligenttiering",
        "inventory",
        "legal-hold",
        "lifecycle",
        "location",
        "logging",
        "notification",
        "object-lock",
        "origin",
        "partNumber",
        "policy",
        "position",
        "referer",
        "rename",
        "replication",
        "restore",
        "retention",
        "select",
        "symlink",
        "tagging",
        "uploadId",
        "uploads",
        "versioning",
        "versions",
        "website",
    }
)
# GET Object query parameters that override response headers (COS GET Object).
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}
COPY_SOURCE = re.compile(
    r"^(?:https?://)?(?P<bucket>[^./]+)\.cos\.(?P<region>[^./]+)\.(?:myqcloud\.com|tencentcos\.cn)/(?P<key>[^?]+)"
)
# Object ACLs a writer may set with x-cos-acl (PUT Object 436/7749; "Object preset ACLs" in the ACL overview):
# `default` inherits the bucket's (private here), `public-read` lets anyone GET and HEAD the object.
OBJECT_ACLS = ("default", "private", "public-read")
# "Server ... Default value: tencent-cos" (COS Common Response Headers, 436/7729).
SERVER_NAME = "tencent-cos"
# The methods the COS XML API has (every other one is 405 MethodNotAllowed, 436/7730).
COS_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
# Server-side encryption a writer may ask for: SSE-COS and SSE-KMS (COS "Server-Side Encryption Overview");
# SSE-C uses its own x-cos-server-side-encryption-customer-* headers, not emulated.
SSE_HEADER = "x-cos-server-side-encryption"
SSE_ALGORITHMS = ("AES256", "cos/kms")
# GET Bucket returns at most 1000 keys per page (COS GET Bucket, max-keys); one DELETE Multiple Objects
# request names at most 1000 keys (436/8289).
MAX_KEYS = 1000
MAX_DELETE_KEYS = 1000
BYTE_RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")


@dataclass
class CosEmulator:
    """Everything one emulator app holds: configuration, clock, objects, notifications, faults."""

    config: CosEmulatorConfig
    clock: Clock
    store: ObjectStore
    notifications: NotificationDispatcher
    faults: FaultInjector
    lifecycle_days: dict[str, int] = field(default_factory=dict)  # the last day each bucket's rules ran


@dataclass(frozen=True)
class ObjectCall:
    """One authenticated request on one bucket and key."""

    emulator: CosEmulator
    request: Request
    bucket: BucketConfig
    key: str
    request_id: str
    principal: KeyPair | None = None  # the key pair that signed the request, once authenticated

    @property
    def store(self) -> ObjectStore:
        return self.emulator.store

    def param(self, name: str) -> str | None:
        return next((value for key, value in query_pairs(self.request) if key == name), None)

    def has_param(self, name: str) -> bool:
        return self.param(name) is not None

    def base_headers(self) -> Headers:
        return [("x-cos-request-id", self.request_id)]

    def authorize(self, action: str, bucket: BucketConfig | None = None, key: str | None = None) -> None:
        """AccessDenied unless the signing key's policy allows `action` on this object (or another)."""
        bucket = bucket or self.bucket
        policy = self.principal.policy if self.principal is not None else None
        authorize(policy, action, cos_resource(bucket.region, bucket.name, self.key if key is None else key))

    @property
    def forbids_overwrite(self) -> bool:
        return header_true(self.request, "x-cos-forbid-overwrite")

    def commit(
        self, body: ReceivedBody, attributes: ObjectAttributes, etag: str | None = None
    ) -> StoredObject:
        """Make `body` this call's object (refused where it exists and the request forbids overwriting)."""
        return self.store.commit(
            self.bucket.name, self.key, body, attributes, forbid_overwrite=self.forbids_overwrite, etag=etag
        )

    def published(self, event: str, stored: StoredObject) -> None:
        client = self.request.client
        self.emulator.notifications.publish(
            self.bucket,
            ObjectCreated(
                event_name=f"cos:ObjectCreated:{event}",
                key=stored.key,
                size=stored.size,
                content_type=stored.attributes.content_type or "",
                meta=stored.attributes.meta,
                request_id=self.request_id,
                source_ip=client.host if client else "",
                authorization=self.request.headers.get("authorization", ""),
                event_time=int(self.emulator.clock.now()),
            ),
        )


Operation = Callable[[ObjectCall], Awaitable[Response]]


# ---- request → stored attributes -------------------------------------------------------------------


def encryption(value: str | None) -> str | None:
    if value is not None and value not in SSE_ALGORITHMS:
        raise InvalidArgumentError(f"{SSE_HEADER} must be one of {', '.join(SSE_ALGORITHMS)}.")
    return value


def public_read(value: str | None) -> bool:
    if value is not None and value not in OBJECT_ACLS:
        raise InvalidArgumentError(f"x-cos-acl must be one of {', '.join(OBJECT_ACLS)}.")
    return value == "public-read"


def attributes_from_request(request: Request) -> ObjectAttributes:
    """Content-Type, the stored standard headers, x-cos-meta-*, x-cos-tagging ("k=v&k2=v2") and SSE."""
    tagging = request.headers.get("x-cos-tagging")
    return ObjectAttributes(
        encryption=encryption(request.headers.get(SSE_HEADER)),
        content_type=request.headers.get("content-type"),
        headers={
            **{name: value for name in STORED_HEADERS if (value := header_text(request, name)) is not None},
            **storage_class(request.headers.get(STORAGE_CLASS)),
        },
        meta={
            name: header_text(request, name) or ""
            for name in request.headers
            if name.startswith("x-cos-meta-")
        },
        tags=check_tags(parse_qsl(tagging, keep_blank_values=True)) if tagging else [],
        public_read=public_read(request.headers.get("x-cos-acl")),
    )


def storage_class(value: str | None) -> dict[str, str]:
    """The x-cos-storage-class header to keep for an object: none for STANDARD (the default)."""
    if value is None or value.upper() == "STANDARD":
        return {}
    if value.upper() not in READABLE_STORAGE_CLASSES:
        if value.upper() in ("ARCHIVE", "DEEP_ARCHIVE"):
            raise NotImplementedByEmulatorError(f"{STORAGE_CLASS}: {value} (objects that need a restore)")
        raise InvalidArgumentError(f"{STORAGE_CLASS} {value!r} is not a COS storage class.")
    return {STORAGE_CLASS: value.upper()}


def object_headers(stored: StoredObject) -> Headers:
    attributes = stored.attributes
    headers: Headers = [
        ("Content-Type", attributes.content_type or "application/octet-stream"),
        ("ETag", stored.etag),
        ("Last-Modified", http_date(stored.last_modified)),
        ("Accept-Ranges", "bytes"),
        ("x-cos-hash-crc64ecma", str(stored.crc64)),
        # x-cos-storage-class comes with the stored headers, kept only for a class other than STANDARD:
        # HEAD/GET Object return it "仅当对象不是标准存储(STANDARD)时" (436/7745).
        *attributes.headers.items(),
        *attributes.meta.items(),
    ]
    if attributes.tags:
        headers.append(("x-cos-tagging-count", str(len(attributes.tags))))
    return headers + encryption_headers(stored)


def encryption_headers(stored: StoredObject) -> Headers:
    encrypted = stored.attributes.encryption
    return [(SSE_HEADER, encrypted)] if encrypted else []


def with_overrides(headers: Headers, call: ObjectCall) -> Headers:
    overrides = {
        header: value for param, header in RESPONSE_OVERRIDES.items() if (value := call.param(param))
    }
    return [(name, value) for name, value in headers if name not in overrides] + list(overrides.items())


def check_declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise EntityTooLargeError()


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, length) for a single "bytes=" range; None (whole object) when absent or not understood,
    as RFC 9110 §14.2 lets a server ignore it; InvalidRange (416) when it is unsatisfiable."""
    match = BYTE_RANGE.match((header or "").strip())
    if match is None or not (match["start"] or match["end"]):
        return None
    if not match["start"]:
        suffix = int(match["end"])
        if suffix == 0 or size == 0:
            raise InvalidRangeError()
        return max(size - suffix, 0), min(suffix, size)
    start = int(match["start"])
    end = int(match["end"]) if match["end"] else size - 1
    if end < start:
        return None
    if start >= size:
        raise InvalidRangeError()
    return start, min(end, size - 1) - start + 1


def etag_listed(header: str, etag: str) -> bool:
    """Whether an If-Match / If-None-Match list names this ETag ("*" names any), quotes and W/ aside."""
    listed = {value.strip().removeprefix("W/").strip('"') for value in header.split(",")}
    return "*" in listed or etag.strip('"') in listed


def modified_since(header: str | None, last_modified: float) -> bool | None:
    """Whether the object changed after the header's HTTP date; None when there is no header or the date
    is unreadable, which RFC 9110 §13.1.3 says to ignore."""
    if header is None:
        return None
    try:
        since = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return None
    return int(last_modified) > since


def not_modified(request: Request, stored: StoredObject) -> bool:
    """GET/HEAD Object preconditions (436/7753, 436/7745): If-Match / If-Unmodified-Since unmet → 412
    PreconditionFailed; If-None-Match / If-Modified-Since unmet → True (answer 304 Not Modified). RFC 9110
    §13.2.2 order: an ETag condition present makes its date counterpart ignored."""
    if_match, if_none_match = request.headers.get("if-match"), request.headers.get("if-none-match")
    if if_match is not None:
        if not etag_listed(if_match, stored.etag):
            raise PreconditionFailedError()
    elif modified_since(request.headers.get("if-unmodified-since"), stored.last_modified):
        raise PreconditionFailedError()
    if if_none_match is not None:
        return etag_listed(if_none_match, stored.etag)
    return modified_since(request.headers.get("if-modified-since"), stored.last_modified) is False


def not_modified_response(call: ObjectCall, stored: StoredObject) -> Response:
    headers = [("ETag", stored.etag), ("Last-Modified", http_date(stored.last_modified))]
    response = Response(status_code=304)
    response.raw_headers = encode_headers([*call.base_headers(), *headers])
    return response


def part_number(call: ObjectCall) -> int:
    value = call.param("partNumber") or ""
    if not value.isdigit():
        raise InvalidArgumentError("partNumber must be a number.")
    return int(value)


def object_location(bucket: BucketConfig, key: str) -> str:
    return f"{bucket.name}.cos.{bucket.region}.myqcloud.com/{quote(key, safe='/-_.~')}"


# ---- object operations -----------------------------------------------------------------------------


async def put_object(call: ObjectCall) -> Response:
    request = call.request
    expected_md5 = parse_content_md5(request.headers.get("content-md5"))
    check_declared_length(request, call.store.max_put_size)
    attributes = attributes_from_request(request)
    with call.store.incoming(call.bucket.name) as incoming:
        async for chunk in request_chunks(request):
            incoming.write(chunk)
        body = incoming.finish()
        body.check_content_md5(expected_md5)
        stored = call.commit(body, attributes)
    call.published("Put", stored)
    headers = [
        *call.base_headers(),
        ("ETag", stored.etag),
        ("x-cos-hash-crc64ecma", str(stored.crc64)),
        *encryption_headers(stored),
    ]
    return cos_response(200, headers)


async def get_object(call: ObjectCall) -> Response:
    stored, handle = call.store.open(call.bucket.name, call.key)
    try:
        if not_modified(call.request, stored):
            handle.close()
            return not_modified_response(call, stored)
        selected = byte_range(call.request.headers.get("range"), stored.size)
    except (InvalidRangeError, PreconditionFailedError):
        handle.close()
        raise
    headers = with_overrides(call.base_headers() + object_headers(stored), call)
    if selected is None:
        return streamed_response(200, headers, read_range(handle, 0, stored.size), stored.size)
    start, length = selected
    content_range = f"bytes {start}-{start + length - 1}/{stored.size}"
    return streamed_response(
        206, [*headers, ("Content-Range", content_range)], read_range(handle, start, length), length
    )


async def head_object(call: ObjectCall) -> Response:
    stored = call.store.head(call.bucket.name, call.key)
    if not_modified(call.request, stored):
        return not_modified_response(call, stored)
    return cos_response(200, call.base_headers() + object_headers(stored), content_length=stored.size)


async def delete_object(call: ObjectCall) -> Response:
    call.store.delete(call.bucket.name, call.key)
    return cos_response(204, call.base_headers())


def copy_source(call: ObjectCall, value: str) -> tuple[BucketConfig, str]:
    """x-cos-copy-source is "<bucket>.cos.<region>.myqcloud.com/<url-encoded key>"
    (qcloud_cos.cos_comm.gen_copy_source_url)."""
    match = COPY_SOURCE.match(value)
    if match is None:
        raise InvalidArgumentError("x-cos-copy-source must be '<bucket>.cos.<region>.myqcloud.com/<key>'.")
    return call.emulator.config.bucket(match["bucket"], match["region"]), unquote(match["key"])


async def copy_object(call: ObjectCall) -> Response:
    request = call.request
    source_bucket, source_key = copy_source(call, request.headers["x-cos-copy-source"])
    call.authorize("GetObject", source_bucket, source_key)
    replaced = (request.headers.get("x-cos-metadata-directive") or "Copy").lower() == "replaced"
    new_attributes = attributes_from_request(request) if replaced else None
    source, handle = call.store.open(source_bucket.name, source_key)
    attributes = source.attributes if new_attributes is None else new_attributes
    # The copy is encrypted as this request asks, whatever the source was (COS PUT Object - Copy).
    # So is its ACL: the request's x-cos-acl, private when absent.
    attributes = replace(
        attributes,
        encryption=encryption(request.headers.get(SSE_HEADER)),
        public_read=public_read(request.headers.get("x-cos-acl")),
    )
    body = await anyio.to_thread.run_sync(call.store.copy_into, call.bucket.name, handle)
    stored = call.commit(body, attributes, etag=source.etag)
    call.published("Copy", stored)
    body_xml = xmlio.copy_result(stored.etag, stored.last_modified, stored.crc64)
    headers = [*call.base_headers(), ("Content-Type", "application/xml"), *encryption_headers(stored)]
    return cos_response(200, headers, body_xml)


# ---- tagging ---------------------------------------------------------------------------------------


async def xml_body(call: ObjectCall) -> bytes:
    """A small XML request body, checked against its Content-MD5 when one is sent (BadDigest otherwise)."""
    expected = parse_content_md5(call.request.headers.get("content-md5"))
    body = await call.request.body()
    if expected is not None and hashlib.md5(body, usedforsecurity=False).digest() != expected:
        raise BadDigestError()
    return body


async def put_tagging(call: ObjectCall) -> Response:
    call.store.set_tags(call.bucket.name, call.key, xmlio.parse_tagging(await xml_body(call)))
    return cos_response(200, call.base_headers())


async def get_tagging(call: ObjectCall) -> Response:
    stored = call.store.head(call.bucket.name, call.key)
    body = xmlio.tagging(stored.attributes.tags)
    return cos_response(200, [*call.base_headers(), ("Content-Type", "application/xml")], body)


async def delete_tagging(call: ObjectCall) -> Response:
    call.store.set_tags(call.bucket.name, call.key, [])
    return cos_response(204, call.base_headers())


# ---- multipart -------------------------------------------------------------------------------------


def xml_response(call: ObjectCall, body: bytes) -> Response:
    return cos_response(200, [*call.base_headers(), ("Content-Type", "application/xml")], body)


async def initiate_multipart(call: ObjectCall) -> Response:
    upload = call.store.create_multipart(call.bucket.name, call.key, attributes_from_request(call.request))
    return xml_response(call, xmlio.initiate_result(call.bucket.name, call.key, upload.upload_id))


async def upload_part(call: ObjectCall) -> Response:
    request = call.request
    number, upload_id = part_number(call), call.param("uploadId") or ""
    expected_md5 = parse_content_md5(request.headers.get("content-md5"))
    check_declared_length(request, call.store.max_put_size)
    call.store.upload(call.bucket.name, call.key, upload_id)  # NoSuchUpload before the body is read
    with call.store.incoming(call.bucket.name) as incoming:
        async for chunk in request_chunks(request):
            incoming.write(chunk)
        body = incoming.finish()
        body.check_content_md5(expected_md5)
        part = call.store.store_part(call.bucket.name, call.key, upload_id, number, body)
    return cos_response(200, [*call.base_headers(), ("ETag", part.etag)])


async def complete_multipart(call: ObjectCall) -> Response:
    requested = xmlio.parse_completion(await call.request.body())
    stored = await anyio.to_thread.run_sync(
        lambda: call.store.complete_multipart(
            call.bucket.name,
            call.key,
            call.param("uploadId") or "",
            requested,
            forbid_overwrite=call.forbids_overwrite,
        )
    )
    call.published("CompleteMultipartUpload", stored)
    location = object_location(call.bucket, call.key)
    body = xmlio.complete_result(location, call.bucket.name, call.key, stored.etag)
    headers = [*call.base_headers(), ("Content-Type", "application/xml"), *encryption_headers(stored)]
    return cos_response(200, headers, body)


async def abort_multipart(call: ObjectCall) -> Response:
    call.store.abort_multipart(call.bucket.name, call.key, call.param("uploadId") or "")
    return cos_response(204, call.base_headers())


async def list_parts(call: ObjectCall) -> Response:
    upload_id = call.param("uploadId") or ""
    parts = call.store.list_parts(call.bucket.name, call.key, upload_id)
    return xml_response(
        call, xmlio.part_listing(call.bucket.name, call.key, upload_id, parts, call.param("encoding-type"))
    )


# ---- bucket operations -----------------------------------------------------------------------------


async def head_bucket(call: ObjectCall) -> Response:
    return cos_response(200, [*call.base_headers(), ("x-cos-bucket-region", call.bucket.region)])


async def list_objects(call: ObjectCall) -> Response:
    query = dict(query_pairs(call.request))
    prefix, max_keys = query.get("prefix", ""), query.get("max-keys", "1000")
    if not max_keys.isdigit():
        raise InvalidArgumentError("max-keys must be a number.")
    page = page_of(
        call.store.list_objects(call.bucket.name, prefix),
        prefix,
        query.get("delimiter", ""),
        query.get("marker", ""),
        min(int(max_keys), MAX_KEYS),
    )
    return xml_response(call, xmlio.object_listing(call.bucket.name, query, page))


async def put_lifecycle(call: ObjectCall) -> Response:
    body = await xml_body(call)
    lifecycle.parse_lifecycle(body)
    call.store.put_lifecycle(call.bucket.name, body)
    return cos_response(200, call.base_headers())


async def get_lifecycle(call: ObjectCall) -> Response:
    stored = call.store.lifecycle(call.bucket.name)
    if stored is None:
        raise NoSuchLifecycleConfigurationError()
    return xml_response(call, stored)


async def delete_lifecycle(call: ObjectCall) -> Response:
    call.store.put_lifecycle(call.bucket.name, None)
    return cos_response(204, call.base_headers())


async def delete_objects(call: ObjectCall) -> Response:
    """DELETE Multiple Objects (POST /?delete, 436/8289): each key is authorized and deleted on its own;
    refusals are listed as <Error>, and Quiet leaves the <Deleted> entries out."""
    quiet, keys = xmlio.parse_delete(await xml_body(call))
    if len(keys) > MAX_DELETE_KEYS:
        raise MalformedXMLError(f"At most {MAX_DELETE_KEYS} objects can be deleted in one request.")
    deleted: list[str] = []
    refused: list[tuple[str, str, str]] = []
    for key in keys:
        try:
            call.authorize("DeleteObject", key=key)
            call.store.delete(call.bucket.name, key)
        except CosError as error:
            refused.append((key, error.wire_code(), error.detail))
        else:
            deleted.append(key)
    return xml_response(call, xmlio.delete_result([] if quiet else deleted, refused))


async def get_bucket_cors(call: ObjectCall) -> Response:
    if not call.bucket.cors:
        raise NoSuchCORSConfigurationError()
    return xml_response(call, xmlio.cors_configuration(call.bucket.cors))


async def get_bucket_location(call: ObjectCall) -> Response:
    return xml_response(call, xmlio.location_constraint(call.bucket.region))


async def get_bucket_versioning(call: ObjectCall) -> Response:
    return xml_response(call, xmlio.versioning_never_enabled())


async def list_uploads(call: ObjectCall) -> Response:
    prefix = call.param("prefix") or ""
    uploads = call.store.list_uploads(call.bucket.name, prefix)
    return xml_response(
        call, xmlio.upload_listing(call.bucket.name, prefix, uploads, call.param("encoding-type"))
    )


async def not_implemented(call: ObjectCall) -> Response:
    raise NotImplementedByEmulatorError(
        f"{call.request.method} {call.request.url.path}?{call.request.url.query}"
    )


def choose_operation(call: ObjectCall) -> Operation:
    """Which COS API a request is: method, key or bucket, and the sub-resources in its query."""
    method = call.request.method
    sub_resources = frozenset(name for name, _ in query_pairs(call.request) if name in SUB_RESOURCES)
    table = OBJECT_OPERATIONS if call.key else BUCKET_OPERATIONS
    operation = table.get((method, sub_resources), not_implemented)
    if "x-cos-copy-source" in call.request.headers:
        # PUT Object - Copy; Upload Part - Copy is not emulated.
        return copy_object if operation is put_object else not_implemented
    return operation


def _on(method: str, *sub_resources: str) -> tuple[str, frozenset[str]]:
    return method, frozenset(sub_resources)


BUCKET_OPERATIONS: dict[tuple[str, frozenset[str]], Operation] = {
    _on("HEAD"): head_bucket,
    _on("GET"): list_objects,
    _on("GET", "uploads"): list_uploads,
    _on("PUT", "lifecycle"): put_lifecycle,
    _on("GET", "lifecycle"): get_lifecycle,
    _on("DELETE", "lifecycle"): delete_lifecycle,
    _on("GET", "cors"): get_bucket_cors,
    _on("GET", "location"): get_bucket_location,
    _on("GET", "versioning"): get_bucket_versioning,
    _on("POST", "delete"): delete_objects,
}
OBJECT_OPERATIONS: dict[tuple[str, frozenset[str]], Operation] = {
    _on("PUT"): put_object,
    _on("GET"): get_object,
    _on("HEAD"): head_object,
    _on("DELETE"): delete_object,
    _on("PUT", "tagging"): put_tagging,
    _on("GET", "tagging"): get_tagging,
    _on("DELETE", "tagging"): delete_tagging,
    _on("POST", "uploads"): initiate_multipart,
    _on("PUT", "partNumber", "uploadId"): upload_part,
    _on("POST", "uploadId"): complete_multipart,
    _on("GET", "uploadId"): list_parts,
    _on("DELETE", "uploadId"): abort_multipart,
}


# CAM action each operation needs on its object (or on the bucket, for bucket operations); COS names them
# after the API (CAM "COS API authorization policies"). A copy also needs GetObject on its source.
OPERATION_ACTIONS: dict[Operation, str] = {
    put_object: "PutObject",
    copy_object: "PutObject",
    get_object: "GetObject",
    head_object: "HeadObject",
    delete_object: "DeleteObject",
    put_tagging: "PutObjectTagging",
    get_tagging: "GetObjectTagging",
    delete_tagging: "DeleteObjectTagging",
    initiate_multipart: "InitiateMultipartUpload",
    upload_part: "UploadPart",
    complete_multipart: "CompleteMultipartUpload",
    abort_multipart: "AbortMultipartUpload",
    list_parts: "ListParts",
    head_bucket: "HeadBucket",
    list_objects: "GetBucket",
    list_uploads: "ListMultipartUploads",
    get_bucket_cors: "GetBucketCORS",
    get_bucket_location: "GetBucketLocation",
    get_bucket_versioning: "GetBucketVersioning",
    put_lifecycle: "PutBucketLifecycle",
    get_lifecycle: "GetBucketLifecycle",
    delete_lifecycle: "DeleteBucketLifecycle",
}


# ---- the endpoint ----------------------------------------------------------------------------------


def run_lifecycle(emulator: CosEmulator, bucket: BucketConfig) -> None:
    """COS runs lifecycle rules once a day: here, at a bucket's first request of each emulator-clock day."""
    today = lifecycle.day_of(emulator.clock.now())
    if emulator.lifecycle_days.get(bucket.name) == today:
        return
    emulator.lifecycle_days[bucket.name] = today
    stored = emulator.store.lifecycle(bucket.name)
    if stored is not None:
        emulator.store.apply_lifecycle(bucket.name, lifecycle.parse_lifecycle(stored))


def resource_of(request: Request) -> str:
    return f"{request.headers.get('host', '')}{request.url.path}"


async def apply_fault(emulator: CosEmulator, method: str, key: str) -> None:
    fault = emulator.faults.take(method, key)
    if fault is None:
        return
    if fault.delay_seconds:
        await anyio.sleep(fault.delay_seconds)
    if fault.status is not None:
        raise InjectedFaultError(fault.status, fault.code)


async def answer(emulator: CosEmulator, request: Request, bucket: BucketConfig, request_id: str) -> Response:
    key: str = request.path_params.get("key", "")
    if request.method == "OPTIONS":
        headers = cors.preflight(
            bucket.cors,
            request.headers.get("origin"),
            request.headers.get("access-control-request-method"),
            request.headers.get("access-control-request-headers"),
        )
        return cos_response(200, [("x-cos-request-id", request_id), *headers])
    if request.method not in COS_METHODS:
        raise MethodNotAllowedError()
    run_lifecycle(emulator, bucket)
    call = ObjectCall(emulator, request, bucket, key, request_id)
    await apply_fault(emulator, request.method, key)
    operation = choose_operation(call)
    signed = signed_request(request, key)
    if operation in (get_object, head_object) and is_anonymous(signed) and readable_by_anyone(call):
        return await operation(call)
    principal = authenticate(signed, emulator.config.keys, emulator.clock.now())
    call = replace(call, principal=principal)
    if operation in OPERATION_ACTIONS:
        call.authorize(OPERATION_ACTIONS[operation])
    return await operation(call)


def readable_by_anyone(call: ObjectCall) -> bool:
    """An object written with x-cos-acl: public-read ("For unsigned requests to a non-publicly readable
    object, COS will return Access Denied", 436/40105), read without response-* overrides: "如果请求中携带
    response-* 请求参数, 那么该请求操作不支持匿名请求, 必须携带签名" (GET Object, 436/7753)."""
    if any(name.startswith("response-") for name, _ in query_pairs(call.request)):
        return False
    try:
        return call.store.head(call.bucket.name, call.key).attributes.public_read
    except CosError:
        return False


async def cos_endpoint(request: Request) -> Response:
    """Every bucket request, virtual-host or path-style; errors render as COS XML with CORS headers."""
    emulator: CosEmulator = request.app.state.cos
    request_id = new_request_id()
    bucket: BucketConfig | None = None
    try:
        bucket = emulator.config.bucket(request.path_params["bucket"], request.path_params.get("region"))
        response = await answer(emulator, request, bucket, request_id)
    except ClientDisconnect:
        return Response(status_code=400)  # the client left mid-body; the store already dropped its bytes
    except CosError as error:
        await discard_body(request)
        response = error_response(error, resource_of(request), request_id, with_body=request.method != "HEAD")
    if bucket is not None and request.method != "OPTIONS":
        extra = cors.response_headers(bucket.cors, request.headers.get("origin"), request.method)
        response.raw_headers += encode_headers(extra)
    response.raw_headers += encode_headers([("Server", SERVER_NAME)])
    return response
