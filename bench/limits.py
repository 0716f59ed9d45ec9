"""P6 provider limits: 50 concurrent GenerateReflectSequence calls at the FaceID emulator's 5 requests/s,
made by the project's FaceId (full-jitter backoff within sequence-generation's 30 s) and by the raw SDK with
no backoff: how many succeed, how long it takes, and how many calls any one-second window admitted."""

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301 import faceid_client, models

from bench.cloud import SDK_DATA, BenchCloud, md5_hex
from bench.common import Result, Row, Target, progress, ratio, times
from faceid_relay.errors import RelayError
from faceid_relay.faceid import FaceId, RemainingSeconds
from faceid_relay.models.rules import Action, Purpose
from faceid_relay.settings import Settings
from localcloud.faceid.catalogue import DEFAULT_RATE_LIMITS
from localcloud.faceid.ratelimit import WINDOW_SECONDS

ACTION = Action.GenerateReflectSequence
CALLERS = 50
LIMIT = DEFAULT_RATE_LIMITS[ACTION.value]
# sequence_generation's timeout (template.yaml Globals, serverless.yml provider): the retries' time budget.
FUNCTION_TIMEOUT_SECONDS = 30.0
PROVIDER_URL_TTL = 3600
WINDOW_TARGET = Target(1.0)
SUCCESS_TARGET = Target(CALLERS, at_most=False, unit=" calls")
OK = "ok"


@dataclass(frozen=True)
class Attempt:
    """One HTTP call to FaceID: its start and end (monotonic seconds), its error code (None: admitted)."""

    start: float
    end: float
    error_code: str | None


@dataclass(frozen=True)
class Outcome:
    """One experiment: each caller's outcome (ok or error code), its wall time, every attempt, and the
    emulator's log of the calls it received (by error code)."""

    outcomes: Counter[str]
    seconds: float
    attempts: list[Attempt]
    log: Counter[str]

    @property
    def succeeded(self) -> int:
        return self.outcomes[OK]

    def summary(self) -> dict[str, Any]:
        return {
            "outcomes": dict(self.outcomes),
            "seconds": round(self.seconds, 3),
            "attempts": len(self.attempts),
            "emulator_log": dict(self.log),
            "max_admitted_in_window": max_admitted_in_window(self.attempts),
        }


class TimedFaceId(FaceId):
    """The project's FaceId, its backoff untouched, noting every attempt it makes."""

    def __init__(self, settings: Settings, remaining: RemainingSeconds, attempts: list[Attempt]) -> None:
        super().__init__(settings, remaining)
        self._attempts = attempts

    def _call_once(self, action: Action, params: dict[str, Any]) -> dict[str, Any]:
        start = time.monotonic()
        try:
            answer = super()._call_once(action, params)
        except TencentCloudSDKException as error:
            self._attempts.append(Attempt(start, time.monotonic(), error.get_code()))
            raise
        self._attempts.append(Attempt(start, time.monotonic(), None))
        return answer


def max_admitted_in_window(attempts: list[Attempt]) -> int:
    """The most admitted calls that surely fell into one window: their start and end both inside it. The
    emulator's log has no timestamps, so this is the client's view; above the limit would prove a breach."""
    admitted = sorted((a for a in attempts if a.error_code is None), key=lambda a: a.start)
    return max(
        (
            sum(1 for b in admitted if b.start >= a.start and b.end <= a.start + WINDOW_SECONDS)
            for a in admitted
        ),
        default=0,
    )


def concurrently(calls: list[Callable[[], None]]) -> float:
    """Release all calls at once (a barrier); the seconds until the last one finished."""
    barrier = threading.Barrier(len(calls) + 1)

    def run(call: Callable[[], None]) -> None:
        barrier.wait()
        call()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def with_backoff(cloud: BenchCloud, params: dict[str, Any]) -> tuple[Counter[str], float, list[Attempt]]:
    """One FaceId per caller, as each concurrent invocation has its own; each gets the function's time."""
    outcomes: list[str] = []
    attempts: list[Attempt] = []

    def caller() -> Callable[[], None]:
        deadline = time.monotonic() + FUNCTION_TIMEOUT_SECONDS
        faceid = TimedFaceId(cloud.settings, lambda: deadline - time.monotonic(), attempts)

        def call() -> None:
            try:
                faceid.call(ACTION, params)
                outcomes.append(OK)
            except RelayError as error:
                outcomes.append(error.code)

        return call

    seconds = concurrently([caller() for _ in range(CALLERS)])
    return Counter(outcomes), seconds, attempts


def raw_sdk(cloud: BenchCloud, params: dict[str, Any]) -> tuple[Counter[str], float, list[Attempt]]:
    """The intl SDK's FaceidClient as its samples use it: one call, no retry."""
    outcomes: list[str] = []
    attempts: list[Attempt] = []
    settings = cloud.settings
    token = settings.session_token.get_secret_value() if settings.session_token else None
    cred = credential.Credential(settings.secret_id, settings.secret_key.get_secret_value(), token)
    profile = ClientProfile(
        httpProfile=HttpProfile(endpoint=settings.faceid_host, protocol=settings.faceid_scheme)
    )

    def caller() -> Callable[[], None]:
        client = faceid_client.FaceidClient(cred, settings.region, profile)
        request = models.GenerateReflectSequenceRequest()
        request.from_json_string(json.dumps(params))

        def call() -> None:
            start = time.monotonic()
            try:
                client.GenerateReflectSequence(request)
                code = None
            except TencentCloudSDKException as error:
                code = error.get_code()
            attempts.append(Attempt(start, time.monotonic(), code))
            outcomes.append(code or OK)

        return call

    seconds = concurrently([caller() for _ in range(CALLERS)])
    return Counter(outcomes), seconds, attempts


def measured(
    cloud: BenchCloud, experiment: Callable[[], tuple[Counter[str], float, list[Attempt]]]
) -> Outcome:
    """Run one experiment after a quiet window, with the emulator's log of its calls (by error code)."""
    time.sleep(WINDOW_SECONDS * 1.1)
    before = len(cloud.faceid_calls())
    outcomes, seconds, attempts = experiment()
    log = Counter(
        call["error_code"] or OK for call in cloud.faceid_calls()[before:] if call["action"] == ACTION.value
    )
    return Outcome(outcomes, seconds, attempts, log)


def rows(ours: Outcome, raw: Outcome) -> list[Row]:
    refused = ours.log["RequestLimitExceeded"]
    most = max_admitted_in_window(ours.attempts)
    return [
        Row(
            "P6",
            f"{CALLERS} concurrent {ACTION.value} at {LIMIT}/s: succeeded",
            f"FaceId.call (backoff) {ours.succeeded}/{CALLERS} in {ours.seconds:.1f} s, "
            f"{refused} refusals retried",
            f"raw SDK, no backoff {raw.succeeded}/{CALLERS} in {raw.seconds:.1f} s, "
            f"{raw.outcomes['RequestLimitExceeded']} RequestLimitExceeded",
            times(ratio(ours.succeeded, raw.succeeded), 1),
            str(SUCCESS_TARGET),
            SUCCESS_TARGET.verdict(ours.succeeded),
        ),
        Row(
            "P6",
            "most calls admitted in one 1 s window",
            f"{most} (emulator log: {ours.log[OK]} admitted, {refused} refused)",
            f"limit {LIMIT}/s",
            times(ratio(most, LIMIT)),
            str(WINDOW_TARGET),
            WINDOW_TARGET.verdict(ratio(most, LIMIT)),
        ),
    ]


def run(cloud: BenchCloud) -> Result:
    key = cloud.upload(Purpose.DEVICE_DATA, SDK_DATA, "application/octet-stream")
    params = {
        "DeviceDataUrl": cloud.storage.presign_download_for_provider(key, PROVIDER_URL_TTL),
        "DeviceDataMd5": md5_hex(SDK_DATA),
        "SecurityLevel": "4",
    }
    progress(f"P6 provider limits: {CALLERS} concurrent {ACTION.value}, project FaceId (backoff)")
    ours = measured(cloud, lambda: with_backoff(cloud, params))
    progress(f"P6 provider limits: {CALLERS} concurrent {ACTION.value}, raw SDK (no backoff)")
    raw = measured(cloud, lambda: raw_sdk(cloud, params))
    summary = {"callers": CALLERS, "limit_per_s": LIMIT, "ours": ours.summary(), "raw_sdk": raw.summary()}
    return Result("P6", rows(ours, raw), summary)
