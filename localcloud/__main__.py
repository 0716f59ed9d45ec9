"""`python -m localcloud`: start the local cloud and print its endpoints (first line: JSON, for tests)."""

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from faceid_relay.models.rules import parse_origin
from localcloud import accounts
from localcloud.gateway import EventShape
from localcloud.stack import Stack, StackOptions


def parse_args(argv: list[str]) -> StackOptions:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--region", default="ap-singapore", choices=accounts.REGIONS)
    parser.add_argument("--shape", default=EventShape.SCF_URL.value, choices=[s.value for s in EventShape])
    parser.add_argument("--flavor", default="live", choices=["live", "legacy"])
    parser.add_argument("--data-dir", type=Path, default=Path(".localcloud"))
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (0.0.0.0 in a container); URLs stay 127.0.0.1",
    )
    parser.add_argument("--cos-port", type=int, default=9000)
    parser.add_argument("--faceid-port", type=int, default=9001)
    parser.add_argument("--gateway-port", type=int, default=8000)
    parser.add_argument("--deliveries", type=int, default=1, help="deliver each COS notification N times")
    parser.add_argument(
        "--with-functions", action="store_true", help="also serve the functions and the demo (gateway)"
    )
    parser.add_argument(
        "--webhook-url",
        help="where the functions send webhooks (default: the local receiver at <gateway>/_webhooks, "
        "whose log lines show each delivery and signature check)",
    )
    parser.add_argument(
        "--sweep-every",
        type=float,
        default=60,
        help="seconds between sweeper runs, as the SCF timer trigger / SAM Schedule would (0: never)",
    )
    parser.add_argument(
        "--allow-return-origin",
        action="append",
        default=[],
        type=_origin,
        metavar="ORIGIN",
        help="an origin verifications may return to, e.g. http://localhost:3000 (repeatable)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        type=_origin,
        metavar="ORIGIN",
        help="an origin whose pages may call the API and upload to the bucket (repeatable)",
    )
    args = parser.parse_args(argv)
    return StackOptions(
        region=args.region,
        shape=EventShape(args.shape),
        flavor=args.flavor,
        data_dir=args.data_dir,
        listen_host=args.host,
        cos_port=args.cos_port,
        faceid_port=args.faceid_port,
        gateway_port=args.gateway_port,
        notification_deliveries=args.deliveries,
        with_gateway=args.with_functions,
        webhook_url=args.webhook_url,
        sweep_every=args.sweep_every,
        return_origins=tuple(args.allow_return_origin),
        cors_origins=tuple(args.cors_origin),
    )


def _origin(value: str) -> str:
    """scheme://host[:port] as the relay's settings accept it (https, or http on loopback)."""
    try:
        return parse_origin(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: list[str]) -> None:
    stack = Stack(parse_args(argv)).start()
    endpoints = stack.endpoints()
    print(json.dumps(endpoints), flush=True)
    print("\nfaceid-relay local cloud is up:", flush=True)
    width = max(map(len, endpoints))
    for name, url in endpoints.items():
        print(f"  {name:<{width}} {url}", flush=True)
    if "demo" in endpoints:
        print(f"\nOpen {endpoints['demo']} in a browser to run a web verification. Ctrl-C stops.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
