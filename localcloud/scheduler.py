"""The local cloud's timer trigger: every N seconds it invokes a function with the event SCF's timer
trigger sends (cloud.tencent.com/document/product/583/9708), through the gateway's /_invoke/<function>."""

import threading
from datetime import datetime, timezone
from typing import Any

import requests


def timer_event(at: datetime, trigger: str = "every-minute") -> dict[str, Any]:
    return {
        "Type": "Timer",
        "TriggerName": trigger,
        "Time": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Message": "",
    }


class Scheduler:
    def __init__(self, invoke_url: str, every_seconds: float) -> None:
        self._url = invoke_url
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Scheduler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                requests.post(self._url, json=timer_event(datetime.now(timezone.utc)), timeout=120)
            except requests.RequestException:
                continue  # as SCF would: the next tick runs anyway
