"""Child process of the hashing benchmarks: P3 streams an object through Storage.digest and hashes the same
bytes in memory; P4 reads its peak RSS (VmHWM) around one hash-on-upload call or one whole-object read;
P7 times a flow's first use of an upload that has no record yet (it hashes the upload then).

A process of its own, so the emulators (in the parent) never share its interpreter lock or its memory."""

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from bench.cold_child import load_module
from bench.common import BenchError
from bench.objects import put_stream, views
from faceid_relay.flows.uploads import finished_upload
from faceid_relay.models.records import UploadExpectation, upload_expectation_key, upload_record_key
from faceid_relay.models.rules import Purpose
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

REPORT_PREFIX = "BENCH-HASH "


def vm_hwm_kib() -> int:
    """The process's peak resident set so far (/proc/self/status VmHWM, KiB)."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(ln for ln in status if ln.startswith("VmHWM:"))
    return int(line.split()[1])


def throughput(job: dict[str, Any]) -> dict[str, Any]:
    """P3: the data generated once in memory, streamed into COS from views of it, then timed `repeats` times
    both ways: Storage.digest (the real COS SDK over loopback) and hashlib.md5 over the bytes in memory."""
    storage = Storage(Settings.from_env())
    data = os.urandom(job["size"])
    put_stream(storage, job["key"], views(data), "application/octet-stream")
    os.sync()  # the emulator's copy is on disk before timing: no writeback competes with the reads
    digest_s, memory_s = [], []
    for _ in range(job["repeats"]):
        started = time.perf_counter()
        digest = storage.digest(job["key"])
        digest_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        memory_s.append(time.perf_counter() - started)
        if digest is None or (digest.md5, digest.size) != (md5, len(data)):
            raise BenchError(f"Storage.digest disagrees with hashlib: {digest} vs {md5}")
    return {"digest_s": digest_s, "memory_s": memory_s}


def peak_growth(job: dict[str, Any], work: Callable[[Any], Any]) -> dict[str, Any]:
    """P4: import hash-on-upload and answer a small upload first (lazy imports, connections), then the
    VmHWM growth across `work` alone."""
    module = load_module(job["name"], job["module"])
    module.handler(job["warm_event"], job["context"])
    before = vm_hwm_kib()
    outcome = work(module)
    return {"before_kib": before, "after_kib": vm_hwm_kib(), "outcome": outcome}


def read_whole(storage: Storage, key: str) -> str:
    """The variant P4 compares against: the whole object in memory, then its MD5."""
    return hashlib.md5(storage.read_bytes(key) or b"", usedforsecurity=False).hexdigest()


def first_use(job: dict[str, Any]) -> dict[str, Any]:
    """P7: per purpose, an object at its size limit with the expectation presign writes; then `repeats` times:
    finished_upload with no record (it hashes on first use), the same call once the record exists, and
    hashlib.md5 over the same bytes in memory."""
    storage = Storage(Settings.from_env())
    report: dict[str, Any] = {}
    for purpose in job["purposes"]:
        data = bytes.fromhex(purpose["head"]) + os.urandom(
            purpose["size"] - len(bytes.fromhex(purpose["head"]))
        )
        key, content_type = purpose["key"], purpose["content_type"]
        expectation = UploadExpectation(
            key=key,
            size=len(data),
            md5=None,
            content_type=content_type,
            created_at=datetime.now(timezone.utc),
        )
        storage.create_json(upload_expectation_key(key), expectation.model_dump(mode="json"))
        put_stream(storage, key, views(data), content_type)
        os.sync()
        head = storage.head(key)
        if head is None:
            raise BenchError(f"{key} was not stored")
        first_s, recorded_s, memory_s = [], [], []
        for _ in range(job["repeats"]):
            storage.delete(upload_record_key(key, head.etag))
            started = time.perf_counter()
            record = finished_upload(storage, key, Purpose(purpose["purpose"]), field="key")
            first_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            finished_upload(storage, key, Purpose(purpose["purpose"]), field="key")
            recorded_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
            memory_s.append(time.perf_counter() - started)
            if (record.md5, record.size) != (md5, len(data)):
                raise BenchError(f"first-use hashing disagrees with hashlib: {record} vs {md5}")
        storage.delete(key)
        report[purpose["purpose"]] = {"first_s": first_s, "recorded_s": recorded_s, "memory_s": memory_s}
    return report


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as file:
        job = json.load(file)
    modes: dict[str, Callable[[], dict[str, Any]]] = {
        "throughput": lambda: throughput(job),
        "first_use": lambda: first_use(job),
        "stream": lambda: peak_growth(job, lambda module: module.handler(job["event"], job["context"])),
        "read": lambda: peak_growth(job, lambda module: read_whole(module.storage, job["key"])),
    }
    print(REPORT_PREFIX + json.dumps(modes[job["mode"]]()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
