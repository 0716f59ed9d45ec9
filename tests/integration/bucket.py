"""The bucket as its owner sees it (the account's own key): what is in it, its lifecycle rules, and the
table in deploy/README.md those rules must match."""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qcloud_cos import CosConfig, CosS3Client

from localcloud import accounts
from localcloud.process import RunningStack

README = Path(__file__).resolve().parents[2] / "deploy" / "README.md"
# | `results/` | copied results ... | 30 days, ... |: the prefix in the first cell, days in the last.
RETENTION_ROW = re.compile(r"^\| `(?P<prefix>[a-z-]+/)` \|.*\| (?P<days>\d+) days?\b[^|]*\|$")


def owner_client(stack: RunningStack, key: accounts.KeyPair = accounts.PERMANENT) -> CosS3Client:
    endpoint = urlsplit(stack.cos)
    return CosS3Client(
        CosConfig(
            Region="ap-singapore",
            SecretId=key.secret_id,
            SecretKey=key.secret_key,
            Token=key.token,
            Scheme=endpoint.scheme,
            IP=endpoint.hostname,
            Port=endpoint.port,
        ),
        retry=1,
    )


def keys(client: CosS3Client, bucket: str, prefix: str = "") -> list[str]:
    listing: dict[str, Any] = client.list_objects(Bucket=bucket, Prefix=prefix, MaxKeys=1000)
    return [item["Key"] for item in listing.get("Contents", [])]


def expiry_rules(client: CosS3Client, bucket: str) -> dict[str, int]:
    """prefix → days of every enabled expiry rule the bucket holds (as COS returns them)."""
    rules = client.get_bucket_lifecycle(Bucket=bucket)["Rule"]
    return {
        rule["Filter"]["Prefix"]: int(rule["Expiration"]["Days"])
        for rule in (rules if isinstance(rules, list) else [rules])
        if "Expiration" in rule and rule["Status"] == "Enabled"
    }


def readme_retention() -> dict[str, int]:
    """The retention table of deploy/README.md: prefix → days."""
    rows = (RETENTION_ROW.match(line) for line in README.read_text().splitlines())
    return {row["prefix"]: int(row["days"]) for row in rows if row}
