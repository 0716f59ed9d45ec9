"""CAM policies per key pair: which COS actions a key may take on which resources, deny by default.

The documents have CAM's JSON shape ({"version": "2.0", "statement": [{"effect", "action", "resource"}]}),
so the local cloud evaluates the very files deploy/ ships. A key without a policy is the account's own
(root) key and may do anything, as on Tencent Cloud."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import AccessDeniedError


def _pattern(text: str) -> re.Pattern[str]:
    """CAM wildcards: "*" matches any run of characters (including "/"), everything else literally."""
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]

    def covers(self, action: str, resource: str) -> bool:
        return any(pattern.fullmatch(action) for pattern in self.actions) and any(
            pattern.fullmatch(resource) for pattern in self.resources
        )


def _strings(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
        raise ValueError(f"a statement's {name} is a string or a list of strings")
    return tuple(items)


def parse_policy(document: Mapping[str, Any]) -> tuple[Statement, ...]:
    """The statements of a CAM policy. Conditions are not evaluated, so a statement with one is refused
    rather than read as broader than it is."""
    statements = []
    for raw in document.get("statement", []):
        if "condition" in raw:
            raise ValueError("conditions are not evaluated by the local cloud")
        if raw.get("effect") not in ("allow", "deny"):
            raise ValueError("a statement's effect is allow or deny")
        statements.append(
            Statement(
                allow=raw["effect"] == "allow",
                actions=tuple(_pattern(action) for action in _strings(raw.get("action"), "action")),
                resources=tuple(_pattern(resource) for resource in _strings(raw.get("resource"), "resource")),
            )
        )
    return tuple(statements)


def cos_resource(region: str, bucket: str, key: str) -> str:
    """qcs::cos:<region>:uid/<appid>:<bucket>/<key> (a bucket-level request has an empty key)."""
    return f"qcs::cos:{region}:uid/{bucket.rsplit('-', 1)[-1]}:{bucket}/{key}"


def authorize(policy: Mapping[str, Any] | None, action: str, resource: str) -> None:
    """AccessDenied unless the policy allows `name/cos:<action>` on `resource` and nothing denies it."""
    if policy is None:
        return
    statements: Sequence[Statement] = parse_policy(policy)
    name = f"name/cos:{action}"
    matching = [statement for statement in statements if statement.covers(name, resource)]
    if not matching or not all(statement.allow for statement in matching):
        raise AccessDeniedError(f"The key may not {action} {resource.split(':', 5)[-1]}.")
