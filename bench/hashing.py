"""P3 hash throughput and P4 memory of hash-on-upload: the streaming MD5 (Storage.digest, the real COS SDK
against the COS emulator on loopback) beside hashlib in memory, and its peak RSS beside a whole-object read.

Both run in child processes; the objects are streamed into COS chunk by chunk, never held twice."""

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import hash_child
from bench.cloud import PHOTO, BenchCloud
from bench.common import (
    MIB,
    BenchError,
    Result,
    Row,
    Target,
    child_env,
    median,
    progress,
    ratio,
    run_child,
    times,
)
from bench.events import HASH_FUNCTION, cos_event
from bench.objects import put_stream, random_chunks
from faceid_relay.models.records import upload_record_key
from faceid_relay.models.rules import PURPOSE_LIMITS, Purpose, new_upload_key
from localcloud.gateway import FUNCTIONS_DIR, EventShape, make_context

CHILD = Path(hash_child.__file__)
THROUGHPUT_BYTES = 512 * MIB
THROUGHPUT_REPEATS = 5
THROUGHPUT_TARGET = Target(0.85, at_most=False)
MEMORY_BYTES = 1024 * MIB
MEMORY_TARGET = Target(32, unit=" MiB")
BINARY = "application/octet-stream"


def throughput(cloud: BenchCloud) -> Result:
    progress(f"P3 hash throughput: {THROUGHPUT_BYTES // MIB} MiB, best of {THROUGHPUT_REPEATS} each way")
    job: dict[str, Any] = {
        "mode": "throughput",
        "key": new_upload_key(Purpose.DEVICE_DATA),
        "size": THROUGHPUT_BYTES,
        "repeats": THROUGHPUT_REPEATS,
    }
    report = run_child(CHILD, job, child_env(cloud.env), hash_child.REPORT_PREFIX).report
    cloud.storage.delete(job["key"])
    # Equal bytes, so the time ratio is the throughput ratio; best of N, with the medians' ratio beside it.
    digest_s, memory_s = min(report["digest_s"]), min(report["memory_s"])
    value = ratio(memory_s, digest_s)
    typical = ratio(median(report["memory_s"]), median(report["digest_s"]))
    row = Row(
        "P3",
        f"MD5 throughput, {THROUGHPUT_BYTES // MIB} MiB object (best of {THROUGHPUT_REPEATS})",
        f"Storage.digest {mib_per_s(digest_s):.0f} MiB/s ({digest_s:.2f} s)",
        f"hashlib.md5 in memory {mib_per_s(memory_s):.0f} MiB/s ({memory_s:.2f} s)",
        f"{times(value)} (medians {times(typical)})",
        str(THROUGHPUT_TARGET),
        THROUGHPUT_TARGET.verdict(value),
    )
    return Result(
        "P3", [row], {"bytes": THROUGHPUT_BYTES, "ratio_best": value, "ratio_median": typical, **report}
    )


FIRST_USE_REPEATS = 11
# The first bytes each purpose's content check accepts (a JPEG marker; binary for the SDK's packages).
PURPOSE_HEADS = {
    Purpose.COMPARE_IMAGE: PHOTO[:64],
    Purpose.DEVICE_DATA: b"\x00\xff",
    Purpose.LIVE_DATA: b"\x00\xff",
}


def first_use(cloud: BenchCloud) -> Result:
    """P7: what hashing on first use (no COS trigger, or a lost event) adds to a flow, per purpose at its
    size limit: the first call minus the same call once the record exists, against hashlib.md5 in memory."""
    progress(f"P7 first-use hashing: each purpose at its size limit, median of {FIRST_USE_REPEATS}")
    purposes: list[dict[str, Any]] = [
        {
            "purpose": purpose.value,
            "key": new_upload_key(purpose),
            "size": limits.max_bytes,
            "content_type": sorted(limits.content_types)[0],
            "head": PURPOSE_HEADS[purpose].hex(),
        }
        for purpose, limits in PURPOSE_LIMITS.items()
    ]
    job = {"mode": "first_use", "purposes": purposes, "repeats": FIRST_USE_REPEATS}
    report = run_child(CHILD, job, child_env(cloud.env), hash_child.REPORT_PREFIX).report
    rows = []
    for purpose in purposes:
        numbers = report[purpose["purpose"]]
        first_s, recorded_s = median(numbers["first_s"]), median(numbers["recorded_s"])
        added, memory_s = first_s - recorded_s, median(numbers["memory_s"])
        rows.append(
            Row(
                "P7",
                f"first use adds, {purpose['purpose']} at {purpose['size']:,} B",
                f"+{added * 1000:.0f} ms ({first_s * 1000:.0f} vs {recorded_s * 1000:.0f} ms recorded)",
                f"hashlib.md5 in memory {memory_s * 1000:.0f} ms",
                times(ratio(added, memory_s)),
            )
        )
    return Result("P7", rows, {"repeats": FIRST_USE_REPEATS, "purposes": purposes, **report})


def mib_per_s(seconds: float, size: int = THROUGHPUT_BYTES) -> float:
    return size / MIB / seconds


def memory(cloud: BenchCloud) -> Result:
    progress(f"P4 memory: streaming a {MEMORY_BYTES // MIB} MiB object into COS")
    key = new_upload_key(Purpose.DEVICE_DATA)
    expected = hashlib.md5(usedforsecurity=False)
    cloud.expect(key, MEMORY_BYTES, BINARY)
    put_stream(cloud.storage, key, hashed(random_chunks(MEMORY_BYTES), expected), BINARY)
    warm_key = cloud.upload(Purpose.COMPARE_IMAGE, PHOTO, "image/jpeg")
    job = {
        "name": f"functions_{HASH_FUNCTION}_app",
        "module": str(FUNCTIONS_DIR / HASH_FUNCTION / "app.py"),
        "warm_event": cos_event(warm_key, len(PHOTO)),
        "event": cos_event(key, MEMORY_BYTES),
        "context": make_context(EventShape.SCF_URL, HASH_FUNCTION, str(uuid.uuid4())),
        "key": key,
    }
    progress("P4 memory: hash-on-upload (streaming), then the read-the-whole-object variant")
    stream = growth(cloud, {**job, "mode": "stream"})
    read = growth(cloud, {**job, "mode": "read"})
    check(cloud, key, stream, read, expected.hexdigest())
    cloud.storage.delete(key)
    ours, whole = stream["growth_mib"], read["growth_mib"]
    row = Row(
        "P4",
        f"peak RSS growth, {MEMORY_BYTES // MIB} MiB object",
        f"hash_on_upload handler (streaming) {ours:.1f} MiB",
        f"read_bytes + md5 {whole:.0f} MiB",
        times(ratio(ours, whole), 3),
        str(MEMORY_TARGET),
        MEMORY_TARGET.verdict(ours),
    )
    return Result("P4", [row], {"bytes": MEMORY_BYTES, "stream": stream, "read": read})


def hashed(chunks: Iterator[bytes], md5: "hashlib._Hash") -> Iterator[bytes]:
    """The chunks, unchanged, each also fed to `md5` (the expected digest, at no extra memory)."""
    for chunk in chunks:
        md5.update(chunk)
        yield chunk


def growth(cloud: BenchCloud, job: dict[str, Any]) -> dict[str, Any]:
    report = run_child(CHILD, job, child_env(cloud.env), hash_child.REPORT_PREFIX).report
    return {**report, "growth_mib": (report["after_kib"] - report["before_kib"]) / 1024}


def check(cloud: BenchCloud, key: str, stream: dict[str, Any], read: dict[str, Any], md5: str) -> None:
    """Both variants must have hashed the whole object right: the record hash-on-upload wrote, and the
    digest of the whole read, equal the MD5 of the bytes as they were sent."""
    if stream["outcome"].get("recorded") != [key]:
        raise BenchError(f"hash_on_upload did not record the object: {stream['outcome']}")
    head = cloud.storage.head(key)
    record = cloud.storage.read_json(upload_record_key(key, head.etag if head else ""))
    if record is None or record["md5"] != md5 or read["outcome"] != md5:
        raise BenchError(f"MD5 mismatch: sent {md5}, recorded {record}, read {read['outcome']}")
