"""Objects the benchmarks put into the local COS, streamed chunk by chunk through a presigned PUT, so no
object is ever held twice (random chunks are made on the fly; in-memory data is sent as views)."""

import os
from collections.abc import Iterable, Iterator
from typing import cast

import requests

from bench.common import BenchError
from faceid_relay.storage import Storage

CHUNK_BYTES = 4 * 1024 * 1024
UPLOAD_URL_TTL = 3600
UPLOAD_TIMEOUT_SECONDS = 600


def random_chunks(size: int) -> Iterator[bytes]:
    """`size` random bytes, generated a chunk at a time."""
    for offset in range(0, size, CHUNK_BYTES):
        yield os.urandom(min(CHUNK_BYTES, size - offset))


def views(data: bytes) -> Iterator[memoryview]:
    """The bytes as consecutive views: sent without a copy."""
    whole = memoryview(data)
    for offset in range(0, len(data), CHUNK_BYTES):
        yield whole[offset : offset + CHUNK_BYTES]


def put_stream(storage: Storage, key: str, chunks: Iterable[bytes | memoryview], content_type: str) -> None:
    """PUT the chunks as one object (chunked transfer encoding) through a presigned URL, as a client would."""
    headers = {"Content-Type": content_type}
    url = storage.presign_upload(key, headers, UPLOAD_URL_TTL)
    body = cast(Iterable[bytes], iter(chunks))  # requests sends any buffer; its stubs say bytes
    answer = requests.put(url, data=body, headers=headers, timeout=UPLOAD_TIMEOUT_SECONDS)
    if answer.status_code != 200:
        raise BenchError(f"PUT {key} failed: {answer.status_code} {answer.text[:300]}")
