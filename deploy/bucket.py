"""Applies the relay's retention (lifecycle) and browser-upload (CORS) rules to one region's bucket.

Both calls replace the bucket's whole lifecycle and CORS configuration: the bucket belongs to the relay.
Credentials come from TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY (/ TENCENTCLOUD_SESSIONTOKEN), the
names SCF uses; they need cos:PutBucketLifecycle and cos:PutBucketCORS on the bucket."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any, Protocol

from qcloud_cos import CosConfig, CosS3Client

HERE = Path(__file__).resolve().parent
LIFECYCLE_FILE = HERE / "cos-lifecycle.json"
CORS_FILE = HERE / "cos-cors.json"

# One deployment per region where FaceID's web or app-SDK actions are served (reference §1.1, §6).
REGIONS = ("ap-singapore", "ap-bangkok", "ap-hongkong", "ap-jakarta")
BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*-[0-9]+")  # <name>-<appid>
# A verification's records must outlive its media by a day: media are written at the callback, up to FaceID's
# 3-day read window after the session record, and COS runs lifecycle rules once a day.
RECORDS_OF_MEDIA = {"verifications/": "results/"}
RECORDS_MARGIN_DAYS = 1
# An exact origin: scheme, host, optional port; never "*" (peers.md §6.6) and never a path.
ORIGIN_PATTERN = re.compile(
    r"https://[a-z0-9.-]+(:[0-9]{1,5})?|http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?"
)


class BucketClient(Protocol):
    """The two cos-python-sdk-v5 CosS3Client calls used here."""

    def put_bucket_lifecycle(self, bucket: str, configuration: dict[str, Any], /) -> Any: ...

    def put_bucket_cors(self, bucket: str, configuration: dict[str, Any], /) -> Any: ...


def lifecycle(expire_days: dict[str, int]) -> dict[str, Any]:
    """cos-lifecycle.json with the expiry of some prefixes changed, e.g. {"results/": 90}."""
    configuration: dict[str, Any] = json.loads(LIFECYCLE_FILE.read_text())
    expiring = {rule["Filter"]["Prefix"]: rule for rule in configuration["Rule"] if "Expiration" in rule}
    unknown = sorted(set(expire_days) - set(expiring))
    if unknown:
        raise ValueError(f"no expiry rule for {unknown}; known prefixes: {sorted(expiring)}")
    for prefix, days in expire_days.items():
        if days < 1:
            raise ValueError(f"{prefix} must expire after at least 1 day, not {days}")
        expiring[prefix]["Expiration"]["Days"] = days
    for records, media in RECORDS_OF_MEDIA.items():
        least = expiring[media]["Expiration"]["Days"] + RECORDS_MARGIN_DAYS
        if records not in expire_days:
            expiring[records]["Expiration"]["Days"] = max(least, expiring[records]["Expiration"]["Days"])
        elif expire_days[records] < least:
            raise ValueError(
                f"{records} must outlive {media}: at least {least} days, not {expire_days[records]}"
            )
    return configuration


def cors(origins: list[str]) -> dict[str, Any]:
    """cos-cors.json allowing exactly these origins to PUT/GET/HEAD with the signed headers."""
    bad = [origin for origin in origins if not ORIGIN_PATTERN.fullmatch(origin)]
    if not origins or bad:
        raise ValueError(f"expected exact origins such as https://app.example.com, got {bad or 'none'}")
    configuration: dict[str, Any] = json.loads(CORS_FILE.read_text())
    for rule in configuration["CORSRule"]:
        rule["AllowedOrigin"] = origins
    return configuration


def apply(
    client: BucketClient, bucket: str, lifecycle_rules: dict[str, Any], cors_rules: dict[str, Any]
) -> None:
    client.put_bucket_lifecycle(bucket, lifecycle_rules)
    client.put_bucket_cors(bucket, cors_rules)


def _expiry(text: str) -> tuple[str, int]:
    prefix, _, days = text.partition("=")
    if not prefix.endswith("/") or not days.isdigit():
        raise argparse.ArgumentTypeError(f"expected PREFIX/=DAYS such as results/=90, got {text!r}")
    return prefix, int(days)


def _bucket(text: str) -> str:
    if not BUCKET_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"expected <name>-<appid> such as faceid-relay-1250000000, got {text!r}"
        )
    return text


def client_from_environment(region: str) -> CosS3Client:
    try:
        secret_id, secret_key = os.environ["TENCENTCLOUD_SECRETID"], os.environ["TENCENTCLOUD_SECRETKEY"]
    except KeyError as missing:
        raise SystemExit(
            f"set {missing.args[0]} (and TENCENTCLOUD_SESSIONTOKEN for temporary keys)"
        ) from None
    token = os.environ.get("TENCENTCLOUD_SESSIONTOKEN") or None
    return CosS3Client(
        CosConfig(Region=region, SecretId=secret_id, SecretKey=secret_key, Token=token, Scheme="https")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.bucket", description="Apply lifecycle and CORS rules."
    )
    parser.add_argument("--region", required=True, choices=REGIONS)
    parser.add_argument("--bucket", required=True, type=_bucket, help="<name>-<appid>")
    parser.add_argument(
        "--origin",
        required=True,
        action="append",
        dest="origins",
        help="app origin allowed to upload (repeat)",
    )
    parser.add_argument(
        "--expire",
        action="append",
        type=_expiry,
        default=[],
        metavar="PREFIX/=DAYS",
        help="override an expiry, e.g. results/=90 (verifications/ follows at results/ + 1 day)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the configuration, change nothing")
    args = parser.parse_args(argv)
    try:
        lifecycle_rules, cors_rules = lifecycle(dict(args.expire)), cors(args.origins)
    except ValueError as error:
        parser.error(str(error))
    client = None if args.dry_run else client_from_environment(args.region)
    print(json.dumps({"LifecycleConfiguration": lifecycle_rules, "CORSConfiguration": cors_rules}, indent=2))
    if client is not None:
        apply(client, args.bucket, lifecycle_rules, cors_rules)
        print(f"applied to {args.bucket} in {args.region}")


if __name__ == "__main__":
    main()
