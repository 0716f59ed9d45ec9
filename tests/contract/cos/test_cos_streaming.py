"""Large objects stream through the emulator: memory stays far below the object size on PUT and GET."""

import hashlib
import io
import tracemalloc
from typing import TYPE_CHECKING

from qcloud_cos import CosS3Client

from tests.contract.cos.harness import BUCKET

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

SIZE = 64 * 1024 * 1024
PATTERN = bytes(range(251)) * 4099  # ~1 MiB, prime-length so chunk boundaries never line up


class GeneratedStream(io.RawIOBase):
    """SIZE deterministic bytes produced on demand; has a length, so requests sends Content-Length."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._sent = 0

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int:
        view = memoryview(buffer)
        count = min(len(view), self._size - self._sent, len(PATTERN))
        offset = self._sent % len(PATTERN)
        view[:count] = (PATTERN[offset:] + PATTERN[:offset])[:count]
        self._sent += count
        return count


def expected_md5() -> str:
    digest, stream = hashlib.md5(usedforsecurity=False), GeneratedStream(SIZE)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def test_64_mib_put_and_get_stream_without_holding_the_object(cos: CosS3Client) -> None:
    tracemalloc.start()
    try:
        put = cos.put_object(Bucket=BUCKET, Key="uploads/live-data/big.bin", Body=GeneratedStream(SIZE))
        body = cos.get_object(Bucket=BUCKET, Key="uploads/live-data/big.bin")["Body"].get_raw_stream()
        received, digest = 0, hashlib.md5(usedforsecurity=False)
        while chunk := body.read(1024 * 1024):
            received += len(chunk)
            digest.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert received == SIZE
    assert put["ETag"] == f'"{expected_md5()}"' == f'"{digest.hexdigest()}"'
    assert peak < SIZE / 8, f"peak traced memory {peak} bytes for a {SIZE}-byte object"
