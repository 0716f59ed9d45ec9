"""Bucket notifications: ObjectCreated events shaped as SCF COS trigger events, POSTed from a worker thread.

SCF invokes COS-triggered functions asynchronously: uploads never wait for delivery; tests drain the queue."""

import json
import queue
import random
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from .config import BucketConfig, NotificationRule

# Short region codes in `cosBucket.region` / `eventQueue`: the doc sample shows "cd" for ap-chengdu; the
# others follow Tencent's short region aliases (reference §4.5; UNCONFIRMED for sg/th/hk/jkt).
REGION_CODES = {
    "ap-singapore": "sg",
    "ap-bangkok": "th",
    "ap-hongkong": "hk",
    "ap-jakarta": "jkt",
    "ap-chengdu": "cd",
    "ap-guangzhou": "gz",
    "ap-shanghai": "sh",
    "ap-beijing": "bj",
    "ap-chongqing": "cq",
    "ap-seoul": "kr",
    "ap-tokyo": "jp",
    "ap-mumbai": "in",
    "na-siliconvalley": "usw",
    "na-ashburn": "use",
    "eu-frankfurt": "de",
}
DELIVERY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ObjectCreated:
    """What a successful write tells the notification rules."""

    event_name: str
    key: str
    size: int
    content_type: str
    meta: dict[str, str]
    request_id: str
    source_ip: str
    authorization: str
    event_time: int


@dataclass(frozen=True)
class Delivery:
    target: str
    event_name: str
    key: str
    status: int  # HTTP status of the target's answer; 0 when no answer came
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "eventName": self.event_name,
            "key": self.key,
            "status": self.status,
            "error": self.error,
        }


def event_matches(pattern: str, event_name: str) -> bool:
    """Rule events are exact names or end in "*" ("cos:ObjectCreated:*" matches every ObjectCreated)."""
    if pattern.endswith("*"):
        return event_name.startswith(pattern[:-1])
    return pattern == event_name


def rule_matches(rule: NotificationRule, created: ObjectCreated) -> bool:
    return (
        any(event_matches(pattern, created.event_name) for pattern in rule.events)
        and created.key.startswith(rule.prefix)
        and created.key.endswith(rule.suffix)
    )


def encoded_key(key: str) -> str:
    # How real COS encodes special characters in cosObject.key/url is UNCONFIRMED (reference §4.5, §7).
    # Choice: percent-encode exactly as COS object URLs are (qcloud_cos CosConfig.uri: quote with "/-_.~"
    # safe), so "a b+c/原图.jpg" arrives as "a%20b%2Bc/%E5%8E%9F%E5%9B%BE.jpg"; consumers must unquote
    # (not unquote_plus) the key.
    return quote(key, safe="/-_.~")


def function_name(target_url: str) -> str:
    return urlsplit(target_url).path.rstrip("/").rsplit("/", 1)[-1] or "function"


def trigger_event(bucket: BucketConfig, rule: NotificationRule, created: ObjectCreated) -> dict[str, Any]:
    """The SCF COS trigger event (reference §4.5, serverless docs/providers/tencent/events/cos.md)."""
    region = REGION_CODES.get(bucket.region, bucket.region)
    path = encoded_key(created.key)
    meta = {"x-cos-request-id": created.request_id, "Content-Type": created.content_type, **created.meta}
    return {
        "Records": [
            {
                "cos": {
                    "cosSchemaVersion": "1.0",
                    "cosObject": {
                        "url": f"http://{bucket.name}.cos.{bucket.region}.myqcloud.com/{path}",
                        "meta": meta,
                        "vid": "",
                        "key": f"/{bucket.appid}/{bucket.short_name}/{path}",
                        "size": created.size,
                    },
                    "cosBucket": {"region": region, "name": bucket.short_name, "appid": bucket.appid},
                    "cosNotificationId": "unknown",
                },
                "event": {
                    "eventName": created.event_name,
                    "eventVersion": "1.0",
                    "eventTime": created.event_time,
                    "eventSource": "qcs::cos",
                    "requestParameters": {
                        "requestSourceIP": created.source_ip,
                        "requestHeaders": {"Authorization": created.authorization},
                    },
                    "eventQueue": (
                        f"qcs:0:lambda:{region}:appid/{bucket.appid}:default.{function_name(rule.target_url)}.$LATEST"
                    ),
                    "reservedInfo": "",
                    "reqid": random.randint(100_000_000, 999_999_999),
                },
            }
        ]
    }


def post_json(target_url: str, body: bytes) -> int:
    response = httpx.post(
        target_url,
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=DELIVERY_TIMEOUT_SECONDS,
    )
    return response.status_code


@dataclass(frozen=True)
class _Job:
    target: str
    event_name: str
    key: str
    body: bytes


class NotificationDispatcher:
    """Queues one job per delivery of each matching rule; a daemon worker POSTs them in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def publish(self, bucket: BucketConfig, created: ObjectCreated) -> None:
        for rule in bucket.notifications:
            if rule_matches(rule, created):
                body = json.dumps(trigger_event(bucket, rule, created)).encode()
                for _ in range(rule.deliveries):
                    self._enqueue(_Job(rule.target_url, created.event_name, created.key, body))

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="cos-notifications", daemon=True)
                self._worker.start()
        self._queue.put(job)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                delivery = Delivery(job.target, job.event_name, job.key, post_json(job.target, job.body))
            except httpx.HTTPError as error:  # recorded, never raised: COS retries are not emulated
                delivery = Delivery(
                    job.target, job.event_name, job.key, 0, f"{type(error).__name__}: {error}"
                )
            with self._lock:
                self._deliveries.append(delivery)
            self._queue.task_done()

    def drain(self) -> None:
        """Block until every queued delivery has been attempted."""
        self._queue.join()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [delivery.to_json() for delivery in self._deliveries]

    def reset(self) -> None:
        with self._lock:
            self._deliveries.clear()
