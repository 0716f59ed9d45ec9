"""What every hardening test needs besides the Relay client: the bucket as the COS SDK sees it (to prove
nothing was half-written), the error-shape rule every 4xx must follow, and the figures docs report."""

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from localcloud import accounts
from localcloud.process import RunningStack, stack_process
from tests.integration.relay import Relay

REGION = "ap-singapore"
# Where the functions keep state: what presign promised and what hashing found (upload-expectations/,
# upload-records/), sessions (verifications/), idempotency records, copied media (results/).
STATE_PREFIXES = ("upload-expectations/", "upload-records/", "verifications/", "idempotency/", "results/")
UPLOADS_PREFIX = "uploads/"
ERROR_FIELDS = frozenset({"code", "message", "field"})

# What docs/reliability.md reports, counted as the tests run and printed by conftest at the end.
FIGURES: Counter[str] = Counter()


class Bucket:
    """The deployment's bucket, read with cos-python-sdk-v5 and the account's permanent key, as an operator
    would look at it: independent of the functions' own storage code."""

    def __init__(self, stack: RunningStack, region: str = REGION) -> None:
        endpoint = urlsplit(stack.cos)
        self.name = stack.bucket
        self._client = CosS3Client(
            CosConfig(
                Region=region,
                SecretId=accounts.PERMANENT.secret_id,
                SecretKey=accounts.PERMANENT.secret_key,
                IP=endpoint.hostname,
                Port=endpoint.port,
                Scheme="http",
            )
        )

    def keys(self, prefix: str = "") -> set[str]:
        found: set[str] = set()
        marker = ""
        while True:
            page = self._client.list_objects(Bucket=self.name, Prefix=prefix, Marker=marker, MaxKeys=1000)
            contents = page.get("Contents") or []
            found.update(str(item["Key"]) for item in contents)
            if page.get("IsTruncated") != "true" or not contents:
                return found
            marker = str(page.get("NextMarker") or contents[-1]["Key"])

    def state(self) -> set[str]:
        """Every key under the prefixes where the functions keep sessions, records and results."""
        return set().union(*(self.keys(prefix) for prefix in STATE_PREFIXES))

    def read(self, key: str) -> bytes | None:
        try:
            answer = self._client.get_object(Bucket=self.name, Key=key)
        except CosServiceError as error:
            if error.get_status_code() == 404:
                return None
            raise
        data: bytes = answer["Body"].get_raw_stream().read()
        return data

    def md5(self, key: str) -> str | None:
        """The MD5 (hex) of the object's bytes, None when it is missing."""
        data = self.read(key)
        return None if data is None else hashlib.md5(data, usedforsecurity=False).hexdigest()

    def read_json(self, key: str) -> dict[str, Any]:
        data = self.read(key)
        assert data is not None, f"{key} is missing"
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self.name, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.name, Key=key)


def assert_error(answer: requests.Response, status: int | None = None, code: str | None = None) -> None:
    """A 4xx/5xx is JSON `{code, message, field?}` (nothing else), never a redirect; optionally exactly
    this status and code."""
    context = f"{answer.request.method} {answer.url} -> {answer.status_code} {answer.text[:300]!r}"
    assert answer.status_code >= 400, context
    assert "Location" not in answer.headers, context
    assert answer.headers.get("Content-Type", "").startswith("application/json"), context
    body = answer.json()
    assert isinstance(body, dict), context
    assert {"code", "message"} <= set(body) <= ERROR_FIELDS, context
    assert all(isinstance(body[name], str) and body[name] for name in body), context
    if status is not None:
        assert answer.status_code == status, context
    if code is not None:
        assert body["code"] == code, context


def clear_faults(stack: RunningStack) -> None:
    requests.delete(f"{stack.faceid}/_control/faults", timeout=10).raise_for_status()
    requests.delete(f"{stack.cos}/_control/faults", timeout=10).raise_for_status()


def drain(stack: RunningStack) -> list[dict[str, Any]]:
    """Wait until COS has delivered every queued notification; returns every delivery so far."""
    answer = requests.post(f"{stack.cos}/_control/drain", timeout=60)
    answer.raise_for_status()
    deliveries: list[dict[str, Any]] = answer.json()
    return deliveries


@contextmanager
def stacks(folder: Path) -> Iterator[Callable[..., Relay]]:
    """Start deployments (`python -m localcloud` processes) with extra arguments and environment; all stop
    when the block ends: the integration suite's `make_stack`, plus an environment for the functions."""
    with ExitStack() as running:
        count = 0

        def start(*args: str, env: dict[str, str] | None = None) -> Relay:
            nonlocal count
            count += 1
            where = folder / f"stack-{count}"
            where.mkdir(parents=True)
            stack = running.enter_context(stack_process(where / "data", where / "stack.log", args, env))
            return Relay(stack)

        yield start
