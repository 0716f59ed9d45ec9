"""HTTP details COS clients depend on: raw header bytes in, canonical header case out, request ids.

The SDK returns `dict(response.headers)` and callers index it as `["ETag"]`, so names keep their COS case."""

import base64
import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from .errors import CosError
from .signing import SignedRequest

Headers = list[tuple[str, str]]


def new_request_id() -> str:
    # Shaped like COS's x-cos-request-id: base64 of "<hex time>_<hex>_<hex>_<hex>".
    raw = f"{int(time.time()):x}_{os.urandom(4).hex()}_{os.urandom(2).hex()}_{os.urandom(3).hex()}"
    return base64.b64encode(raw.encode()).decode()


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def header_text(request: Request, name: str) -> str | None:
    """A request header decoded as UTF-8 (the SDK sends x-cos-meta-* values as UTF-8 bytes)."""
    value = request.headers.get(name)
    return None if value is None else value.encode("latin-1").decode("utf-8", "surrogateescape")


def header_true(request: Request, name: str) -> bool:
    return (request.headers.get(name) or "").strip().lower() == "true"


def query_pairs(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query, keep_blank_values=True)


def signed_request(request: Request, key: str) -> SignedRequest:
    """The parts of `request` a q-sign signature covers. The signed path is "/<key>" in both addressing
    styles: cos_auth.CosS3Auth signs the key, never the bucket segment of a path-style URL."""
    headers = [(name.decode("latin-1"), value) for name, value in request.scope["headers"]]
    return SignedRequest(request.method, "/" + key, query_pairs(request), headers)


async def request_chunks(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:
            yield chunk


async def discard_body(request: Request) -> None:
    """Read what is left of a refused request's body, so the client gets to read our answer."""
    with contextlib.suppress(RuntimeError, ClientDisconnect):  # RuntimeError: body already fully read
        async for _ in request.stream():
            pass


def encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("utf-8", "surrogateescape")) for name, value in headers]


def cos_response(
    status: int, headers: Headers, body: bytes = b"", *, content_length: int | None = None
) -> Response:
    """A response whose header names go out exactly as given (Starlette would lower-case them)."""
    response = Response(body, status_code=status)
    length = len(body) if content_length is None else content_length
    sized = [] if status == 204 else [("Content-Length", str(length))]
    response.raw_headers = encode_headers(headers + sized)
    return response


def streamed_response(
    status: int, headers: Headers, chunks: Iterator[bytes], content_length: int
) -> Response:
    response = StreamingResponse(chunks, status_code=status)
    response.raw_headers = encode_headers([*headers, ("Content-Length", str(content_length))])
    return response


def error_response(error: CosError, resource: str, request_id: str, *, with_body: bool) -> Response:
    """The COS error answer; HEAD answers carry no body, so the SDK reports them by status alone."""
    trace_id = base64.b64encode(os.urandom(24)).decode()
    headers = [("x-cos-request-id", request_id), ("x-cos-trace-id", trace_id)]
    if not with_body:
        return cos_response(error.wire_status(), headers)
    body = error.to_xml(resource, request_id, trace_id)
    return cos_response(error.wire_status(), [("Content-Type", "application/xml"), *headers], body)
