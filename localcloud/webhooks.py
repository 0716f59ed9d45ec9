"""The local cloud's stand-in for an app backend's webhook receiver: it checks each delivery's signature with
the layer's own verifier, as a real receiver should, logs every delivery and check, and deduplicates on the
event id. Tests switch it down (503) and up, and read what it got; the demo shows its events."""

import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from faceid_relay.webhooks import SIGNATURE_HEADER, SignatureError, verify_signature

WEBHOOK_SECRET = "local-dev-webhook-secret-0000000000000000"
RECEIVER_PATH = "/_webhooks"


@dataclass
class Delivery:
    """One POST the receiver got: what it said about the signature, and the event when it was genuine."""

    event: dict[str, Any] | None
    signature: str  # "valid", or why not
    duplicate: bool


@dataclass
class WebhookReceiver:
    secrets: tuple[str, ...] = (WEBHOOK_SECRET,)
    down: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, body: bytes, header: str | None) -> int:
        """The HTTP status it answers: 503 while down, 400 on a bad signature, else 200."""
        if self.down:
            _log("webhook refused: receiver down")
            return 503
        try:
            verify_signature(body, header, self.secrets)
        except SignatureError as error:
            self._record(Delivery(None, str(error), duplicate=False))
            _log(f"webhook signature invalid: {error}")
            return 400
        event = json.loads(body)
        with self._lock:
            duplicate = any(d.event is not None and d.event["id"] == event["id"] for d in self.deliveries)
            self.deliveries.append(Delivery(event, "valid", duplicate))
        _log(
            f"webhook received {event['type']} id={event['id']} signature valid"
            + (" (duplicate, ignored)" if duplicate else "")
        )
        return 200

    def events(self) -> list[dict[str, Any]]:
        """Genuine events, each id once (what a receiver acts on after deduplication)."""
        with self._lock:
            return [d.event for d in self.deliveries if d.event is not None and not d.duplicate]

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)

    def routes(self) -> list[BaseRoute]:
        async def receive(request: Request) -> Response:
            status = self.receive(await request.body(), request.headers.get(SIGNATURE_HEADER))
            return Response(status_code=status)

        async def listing(_: Request) -> Response:
            with self._lock:
                deliveries = [vars(d) for d in self.deliveries]
            return JSONResponse({"events": self.events(), "deliveries": deliveries})

        async def control(request: Request) -> Response:
            body = await request.json()
            self.down = bool(body.get("down", self.down))
            if body.get("clear"):
                with self._lock:
                    self.deliveries.clear()
            _log(f"webhook receiver {'down' if self.down else 'up'}")
            return JSONResponse({"down": self.down})

        return [
            Route(RECEIVER_PATH, receive, methods=["POST"]),
            Route(f"{RECEIVER_PATH}/events", listing, methods=["GET"]),
            Route(f"{RECEIVER_PATH}/control", control, methods=["POST"]),
        ]


def _log(line: str) -> None:
    print(f"[webhook-receiver] {line}", file=sys.stderr, flush=True)
